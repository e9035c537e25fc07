# SPDX-License-Identifier: Apache-2.0
# The URL building of python-freezerclient 2026 (its v2 managers' endpoint), replayed on Debian's
# keystoneauth1, which cannot run that client version: password authentication against Keystone
# (OS_* variables), the endpoint of service type "backup" (interface OS_INTERFACE, default public)
# from the token's catalog, then
# <endpoint>/<resource>/ when the endpoint already holds "/v2", else
# <endpoint>/v2/<token project>/<resource>/. It lists jobs as that client does (limit, offset and
# all_projects=False, a bool that requests prints as Python does), then clients and backups, and
# prints the endpoint and each request's URL and status as JSON.
import json
import os

import requests
from keystoneauth1 import loading
from keystoneauth1 import session as ks_session

auth = loading.get_plugin_loader('password').load_from_options(
    auth_url=os.environ['OS_AUTH_URL'],
    username=os.environ['OS_USERNAME'],
    password=os.environ['OS_PASSWORD'],
    project_name=os.environ['OS_PROJECT_NAME'],
    user_domain_name='Default',
    project_domain_name='Default',
)
session = ks_session.Session(auth=auth)
endpoint = session.get_endpoint(service_type='backup', interface=os.environ.get('OS_INTERFACE', 'public'))
project = session.get_project_id()
headers = {'X-Auth-Token': session.get_token(), 'Content-Type': 'application/json', 'Accept': 'application/json'}


def resource_url(resource):
    base = endpoint.rstrip('/')
    if '/v2' in base:
        return '{0}/{1}/'.format(base, resource)
    return '{0}/v2/{1}/{2}/'.format(base, project, resource)


answers = []
calls = [
    ('jobs', {'limit': 10, 'offset': 0, 'all_projects': False}),
    ('clients', {'limit': 10, 'offset': 0}),
    ('backups', {'limit': 10, 'offset': 0}),
]
for resource, params in calls:
    response = requests.get(resource_url(resource), headers=headers, params=params, timeout=15)
    answers.append({'url': response.url, 'status': response.status_code, 'body': response.json()})
print(json.dumps({'endpoint': endpoint, 'project': project, 'answers': answers}))
