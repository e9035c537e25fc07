-- S8: GET / (the version list, public, answered 300 Multiple Choices).
function request()
  return wrk.format("GET", "/")
end
