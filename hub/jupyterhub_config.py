"""JupyterHub for a Feature Geometry class on one machine (The Littlest JupyterHub's layout).

Every user is a Unix account on the machine; the hub runs as root and starts each user's
JupyterLab as that user (LocalProcessSpawner) from the course's hub environment (``make hub-env``:
the course package, nbgrader's extensions, nbgitpuller and the model wheel, never the course's
solutions). Start it with ``sudo /opt/feature-geometry/bin/jupyterhub -f hub/jupyterhub_config.py``
(``hub/jupyterhub.service`` does it under systemd). The README's "Teaching on a JupyterHub" walks
through installing, adding students, the lesson link and an exercise's round trip.

Settings (environment variables; defaults in brackets):

``COURSE_HUB_ROSTER``   who is in the class [/srv/feature-geometry/roster.txt]: one ``instructor NAME``
                        or ``student NAME`` a line (``#`` starts a comment). Instructors get the
                        formgrader and their clone of the course; students the Assignments tab.
``COURSE_ID``           nbgrader's course id [feature-geometry, as in the course's nbgrader_config.py]
``COURSE_EXCHANGE_ROOT``  nbgrader's exchange, a folder every user can write [/srv/nbgrader/exchange]
``COURSE_HUB_ENV``      the single-user environment [the Python environment running this hub]
``COURSE_HUB_STATE``    the hub's database and cookie secret [/srv/feature-geometry/hub]
``COURSE_HUB_AUTHENTICATOR``  ``pam`` (the accounts' passwords) [pam], or any authenticator
                        JupyterHub knows by name (``native``, ``github``, ...; the roster still
                        decides who may log in and who is an instructor)
``COURSE_HUB_IP``, ``COURSE_HUB_PORT``  where the hub listens [all addresses, 8000]; put TLS in
                        front of it (or set c.JupyterHub.ssl_cert/ssl_key) for a real class
``COURSE_INSTRUCTOR_DIR``  the instructor's clone of the course, in their home [feature-geometry]
"""
import os
import sys

c = get_config()  # noqa: F821

ENV = os.environ.get("COURSE_HUB_ENV", sys.prefix)
COURSE_ID = os.environ.get("COURSE_ID", "feature-geometry")
EXCHANGE = os.environ.get("COURSE_EXCHANGE_ROOT", "/srv/nbgrader/exchange")
ROSTER = os.environ.get("COURSE_HUB_ROSTER", "/srv/feature-geometry/roster.txt")
STATE = os.environ.get("COURSE_HUB_STATE", "/srv/feature-geometry/hub")
INSTRUCTOR_DIR = os.environ.get("COURSE_INSTRUCTOR_DIR", "feature-geometry")
ROLES = ("instructor", "student")


def read_roster(path):
    """``{"instructor": {...}, "student": {...}}`` from the roster file; a bad line stops the hub with its number."""
    people = {role: set() for role in ROLES}
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            words = line.split("#", 1)[0].split()
            if not words:
                continue
            if len(words) != 2 or words[0] not in ROLES:
                sys.exit(f"{path}, line {number}: expected 'instructor NAME' or 'student NAME', got {line.strip()!r}")
            people[words[0]].add(words[1])
    both = people["instructor"] & people["student"]
    if both:
        sys.exit(f"{path}: {', '.join(sorted(both))} listed both as instructor and as student")
    return people


roster = read_roster(ROSTER)

# Who may log in, and each one's role (as hub groups: the admin page shows and edits them).
c.Authenticator.allowed_users = roster["instructor"] | roster["student"]
c.JupyterHub.load_groups = {"instructors": {"users": sorted(roster["instructor"])},
                            "students": {"users": sorted(roster["student"])}}
c.JupyterHub.authenticator_class = os.environ.get("COURSE_HUB_AUTHENTICATOR", "pam")

# nbgrader's exchange: every user writes their submissions there (sticky, like /tmp, so that
# nobody removes another's folders; nbgrader itself keeps inbound/ unlistable for students).
if not os.path.isdir(EXCHANGE) and os.geteuid() == 0:
    os.makedirs(EXCHANGE)
    os.chmod(EXCHANGE, 0o1777)

# The hub's own state, and where it listens.
os.makedirs(STATE, mode=0o700, exist_ok=True)
c.JupyterHub.db_url = "sqlite:///" + os.path.join(STATE, "jupyterhub.sqlite")
c.JupyterHub.cookie_secret_file = os.path.join(STATE, "jupyterhub_cookie_secret")
c.ConfigurableHTTPProxy.pid_file = os.path.join(STATE, "jupyterhub-proxy.pid")
c.JupyterHub.ip = os.environ.get("COURSE_HUB_IP", "")
c.JupyterHub.port = int(os.environ.get("COURSE_HUB_PORT", "8000"))
# The proxy: configurable-http-proxy from the hub environment (the Python one from PyPI, or npm's
# if it comes first on the hub's PATH: both speak the same API).
_proxy = os.path.join(ENV, "bin", "configurable-http-proxy")
c.ConfigurableHTTPProxy.command = [_proxy if os.path.exists(_proxy) else "configurable-http-proxy"]

# Each user's server: JupyterLab from the course's hub environment, as their own Unix account.
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [os.path.join(ENV, "bin", "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
c.Spawner.environment = {"COURSE_ID": COURSE_ID, "COURSE_EXCHANGE_ROOT": EXCHANGE,
                         "PATH": os.path.join(ENV, "bin") + os.pathsep + "/usr/local/bin:/usr/bin:/bin"}
c.Spawner.http_timeout = 60
c.Spawner.start_timeout = 120


def role_of(user):
    """``instructor`` for members of the hub's instructors group, else ``student``."""
    return "instructor" if any(group.name == "instructors" for group in user.groups) else "student"


def configure_role(spawner):
    """Before a server starts: its role's Jupyter configuration (course_utils/hub/jupyter_ROLE)."""
    import course_utils.hub

    role = role_of(spawner.user)
    config_dir = os.path.join(os.path.dirname(course_utils.hub.__file__), f"jupyter_{role}")
    spawner.environment = {**spawner.environment, "JUPYTER_CONFIG_PATH": config_dir, "COURSE_HUB_ROLE": role}
    if role == "instructor":
        spawner.environment["COURSE_ROOT"] = os.path.join("~", INSTRUCTOR_DIR)
    spawner.log.info("%s starts as %s with %s", spawner.user.name, role, config_dir)


c.Spawner.pre_spawn_hook = configure_role
# Servers stay up when the hub restarts (for an upgrade or a roster change).
c.JupyterHub.cleanup_servers = False
