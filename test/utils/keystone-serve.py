# SPDX-License-Identifier: Apache-2.0
# Serves Debian's Keystone (python3-keystone) for the e2e tests: the public WSGI application on a
# loopback port with the standard library's threaded WSGI server (no Apache, no systemd, no extra
# package). Usage: keystone-serve.py <keystone.conf> <port>
import sys
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

conf, port = sys.argv[1], int(sys.argv[2])
# oslo.config parses sys.argv when Keystone initialises: it must not see ours.
sys.argv = [sys.argv[0], '--config-file', conf]

from keystone.server.flask import core  # noqa: E402

application = core.initialize_application(name='public', config_files=[conf])


class ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


server = make_server('127.0.0.1', port, application, server_class=ThreadingServer, handler_class=QuietHandler)
print(f'keystone listening on http://127.0.0.1:{port}/v3', flush=True)
server.serve_forever()
