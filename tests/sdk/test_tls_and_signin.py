"""HTTPS with --tls-cert/--tls-key (the real SDK trusts the certificate and
runs), sign-in over it gives a Secure cookie, and the dashboard answers
nobody without a session."""

import base64
import json
import subprocess
import sys

import requests

from harness import ACCESS_KEY, ADMIN_PASSWORD, SECRET_KEY, Server, database_url_for_test


def self_signed(tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )
    return cert, key


def test_https_serves_the_sdk_and_marks_cookies_secure(tmp_path):
    server = Server(data_dir=tmp_path / "data", database_url=database_url_for_test(), tls=self_signed(tmp_path))
    server.start()
    try:
        assert server.api_url.startswith("https://")
        # Plain HTTP on the TLS port is not served.
        try:
            plain = requests.get(f"http://127.0.0.1:{server.api_port}/auth.login", timeout=5)
            assert plain.status_code != 200
        except requests.RequestException:
            pass
        basic = base64.b64encode(f"{ACCESS_KEY}:{SECRET_KEY}".encode()).decode()
        r = requests.get(f"{server.api_url}/auth.login", headers={"Authorization": f"Basic {basic}"},
                         verify=server.verify, timeout=10)
        assert r.status_code == 200, r.text
        # The real SDK, trusting the certificate.
        env = server.client_env(tmp_path / "home")
        env["REQUESTS_CA_BUNDLE"] = server.verify
        script = ("from clearml import Task\n"
                  "t = Task.init(project_name='tls', task_name='over https', auto_connect_frameworks=False)\n"
                  "t.get_logger().report_scalar('loss', 'train', 0.5, 0)\n"
                  "print('TASK', t.id)\n"
                  "t.close()\n")
        run = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
                             timeout=180)
        assert run.returncode == 0, run.stderr[-3000:]
        assert "TASK " in run.stdout
        # Signing in over HTTPS: the session cookie is Secure and HttpOnly.
        r = requests.post(f"{server.web_url}/login", data={"login": "admin", "password": ADMIN_PASSWORD},
                          headers={"Origin": server.web_url}, allow_redirects=False, verify=server.verify,
                          timeout=10)
        assert r.status_code == 303, r.text
        cookie = r.headers["set-cookie"]
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie, cookie
    finally:
        server.stop()


def test_the_dashboard_answers_nobody_without_a_session(tmp_path):
    server = Server(data_dir=tmp_path / "data", database_url=database_url_for_test())
    server.start()
    try:
        for path in ["/", "/tasks", "/settings", "/users", "/queues"]:
            r = requests.get(server.web_url + path, allow_redirects=False, timeout=10)
            assert r.status_code == 303 and r.headers["location"].startswith("/login"), (path, r.status_code)
        for path in ["/export/tasks.csv", "/export/console/x.txt", "/media/a/b.txt"]:
            assert requests.get(server.web_url + path, timeout=10).status_code == 401, path
        r = requests.post(server.web_url + "/rpc/run_action", data=json.dumps({}),
                          headers={"Content-Type": "application/json", "Origin": server.web_url}, timeout=10)
        assert r.status_code == 401
        # A cross-site form post with a real session changes nothing.
        s = requests.Session()
        r = s.post(f"{server.web_url}/login", data={"login": "admin", "password": ADMIN_PASSWORD},
                   headers={"Origin": server.web_url}, allow_redirects=False, timeout=10)
        assert r.status_code == 303
        r = s.post(server.web_url + "/rpc/create_project", data={"name": "evil-made"},
                   headers={"Origin": "http://evil.example"}, timeout=10)
        assert r.status_code == 403
        r = s.get(server.web_url + "/settings", timeout=10)
        assert r.status_code == 200 and "API keys" in r.text
    finally:
        server.stop()
