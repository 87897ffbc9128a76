"""`import course_utils` stays light and changes no global state."""
import subprocess
import sys

HEAVY = ["matplotlib", "ipywidgets", "torch", "transformers", "nbgrader", "gguf", "tokenizers"]


def test_import_is_light():
    code = (
        "import sys, course_utils\n"
        f"heavy = [m for m in {HEAVY!r} if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "", f"`import course_utils` imported heavy modules: {out}"


def test_importing_submodules_changes_no_rcparams():
    code = (
        "import importlib, pkgutil, matplotlib, course_utils\n"
        "before = dict(matplotlib.rcParams)\n"
        "for m in pkgutil.walk_packages(course_utils.__path__, 'course_utils.'):\n"
        "    if m.name.endswith('__main__'): continue\n"
        "    importlib.import_module(m.name)\n"
        "after = dict(matplotlib.rcParams)\n"
        "print(sorted(k for k in before if before[k] != after[k]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]", f"importing course_utils modules changed rcParams: {out}"
