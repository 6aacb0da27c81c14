"""gunicorn's settings, read by the Dockerfile's command (`gunicorn --config gunicorn.conf.py ...`).

Each value can be changed from the environment without rebuilding the image:
- GUNICORN_BIND (default 0.0.0.0:$PORT, PORT default 8000)
- WEB_CONCURRENCY: worker processes; default 2 x the CPUs this process may use + 1
- GUNICORN_TIMEOUT: seconds a request may take before its worker is replaced (default 30)
- GUNICORN_LOG_LEVEL: default info
- FORWARDED_ALLOW_IPS: proxies whose X-Forwarded-* headers gunicorn believes (default: loopback only;
  Django reads X-Forwarded-Proto itself, see SECURE_PROXY_SSL_HEADER)
The access log goes to stdout and errors to stderr, for the container's log collector.
"""

import os


def _cpus():
    # The CPUs this container may run on (a CPU-limited container sees fewer than the host has).
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


bind = os.environ.get("GUNICORN_BIND") or f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * _cpus() + 1)
worker_class = "sync"

# A worker silent for `timeout` seconds is killed and replaced; on shutdown or reload, workers get
# `graceful_timeout` seconds to finish their requests. Keep-alive a little longer than a balancer's idle probe.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# Recycle each worker after about a thousand requests, so a slow leak never grows without bound.
max_requests = 1000
max_requests_jitter = 100
# Heartbeat files in memory: a container's overlay filesystem can stall them and get healthy workers killed.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# The usual combined format, plus the time taken in milliseconds.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms'

forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# No control socket: nothing here uses it, and it would need a writable home directory.
control_socket_disable = True
