"""Static scan of student code for tricks that cannot be stopped inside the kernel.

Monkeypatching a test library, an ``__eq__`` that always says yes, killing the
kernel or poking at other processes all happen inside the student's own
process; the scan finds them in the source and the submission is flagged for
review (it is still graded).
"""
from __future__ import annotations

import ast

from ...checks import __all__ as CHECKS

WATCHED_MODULES = {"numpy", "np", "math", "builtins", "unittest", "pytest", "course_utils", "sys",
                   "os", "IPython", "nbgrader", "numpy.testing", "npt", "testing", "random"}
DANGEROUS_CALLS = {
    "os._exit": "ends the kernel (os._exit)", "os.kill": "sends signals to processes (os.kill)",
    "os.killpg": "sends signals to processes (os.killpg)", "os.fork": "forks processes (os.fork)",
    "signal.signal": "changes signal handling (signal.signal)", "os.system": "runs shell commands",
    "subprocess.run": "runs programs (subprocess)", "subprocess.Popen": "runs programs (subprocess)",
    "subprocess.call": "runs programs (subprocess)", "subprocess.check_output": "runs programs (subprocess)",
    "gc.get_objects": "inspects interpreter memory (gc.get_objects)",
    "sys._getframe": "inspects the call stack (sys._getframe)", "sys.settrace": "installs a tracer",
    "sys.setprofile": "installs a profiler",
    "setattr": None, "delattr": None,
}
SUSPICIOUS_IMPORTS = {"ctypes": "loads native code (ctypes)", "inspect": "inspects frames (inspect)",
                      "unittest.mock": "monkeypatches objects (unittest.mock)",
                      "multiprocessing": "starts processes (multiprocessing)"}
SUSPICIOUS_WORDS = ("gradebook", "nbgrader", "solutions/", "autograded", "submitted/")
# The checks the exercises' test cells call: a student who defines one of these names is trying to
# replace what the tests use.
CHECK_HELPERS = frozenset(CHECKS)


def _dotted(node: ast.AST) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def _to_python(source: str) -> str:
    try:
        from IPython.core.inputtransformer2 import TransformerManager
        return TransformerManager().transform_cell(source)
    except Exception:
        return source


class _Scanner(ast.NodeVisitor):
    def __init__(self) -> None:
        self.aliases = set(WATCHED_MODULES)
        self.found: list[str] = []

    def add(self, text: str) -> None:
        if text not in self.found:
            self.found.append(text)

    def rebinds(self, name: str | None) -> None:
        if name in CHECK_HELPERS:
            self.add(f"redefines the test helper {name}")

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.rebinds(alias.asname)
            self.aliases.add(alias.asname or alias.name.split(".")[0])
            for mod, why in SUSPICIOUS_IMPORTS.items():
                if alias.name == mod or alias.name.startswith(mod + "."):
                    self.add(why)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        mod = node.module or ""
        for alias in node.names:
            if mod != "course_utils.checks" or alias.asname not in (None, alias.name):
                self.rebinds(alias.asname or alias.name)
            full = f"{mod}.{alias.name}"
            if mod in ("numpy", "numpy.testing", "os", "sys", "builtins", "course_utils") or \
                    full in ("numpy.testing",):
                self.aliases.add(alias.asname or alias.name)
            for smod, why in SUSPICIOUS_IMPORTS.items():
                if mod == smod or mod.startswith(smod + ".") or full == smod:
                    self.add(why)
        if mod == "os" and any(a.name in ("_exit", "kill", "fork") for a in node.names):
            self.add(f"imports process control from os ({', '.join(a.name for a in node.names)})")

    def _target(self, target: ast.AST) -> None:
        if isinstance(target, (ast.Tuple, ast.List)):
            for t in target.elts:
                self._target(t)
            return
        if isinstance(target, ast.Name):
            self.rebinds(target.id)
            return
        if isinstance(target, ast.Attribute):
            name = _dotted(target)
        elif isinstance(target, ast.Subscript):
            name = _dotted(target.value)
        else:
            return
        if not name:
            return
        root = name.split(".")[0]
        if root == "__builtins__":
            self.add("modifies builtins")
        elif root in self.aliases and "." in name:
            self.add(f"modifies a library or the interpreter ({name})")

    def visit_Assign(self, node: ast.Assign) -> None:
        for t in node.targets:
            self._target(t)
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._target(node.target)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        name = _dotted(node.func)
        if name in ("__import__", "importlib.import_module", "import_module"):
            self.add(f"imports a module by a computed name ({name})")
        elif name == "getattr" and len(node.args) >= 2 and not isinstance(node.args[1], ast.Constant) \
                and (_dotted(node.args[0]) or "").split(".")[0] in self.aliases:
            self.add(f"looks up a library attribute by a computed name (getattr({_dotted(node.args[0])}, ...))")
        if name in ("setattr", "delattr") and node.args:
            root = _dotted(node.args[0])
            if root and root.split(".")[0] in self.aliases:
                self.add(f"modifies a library with {name}({root}, ...)")
        elif name in DANGEROUS_CALLS and DANGEROUS_CALLS[name]:
            self.add(DANGEROUS_CALLS[name])
        elif name and name.split(".")[-1] in ("_exit", "fork", "kill", "killpg") and \
                name.split(".")[0] in self.aliases:
            self.add(f"process control ({name})")
        self.generic_visit(node)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self.rebinds(node.name)
        if node.name in ("__eq__", "__ne__", "__bool__", "__array_ufunc__", "__array_function__"):
            self.add(f"defines {node.name} (can make comparisons in tests always succeed)")
        self.generic_visit(node)

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str):
            low = node.value.lower()
            for word in SUSPICIOUS_WORDS:
                if word in low:
                    self.add(f"mentions {word.rstrip('/')!r} (grading files)")


def scan_sources(sources: list[str]) -> list[str]:
    """Reasons to review the given student code cells; empty when nothing was found."""
    scanner = _Scanner()
    for source in sources:
        if "get_ipython" in source:
            scanner.add("reaches into the kernel (get_ipython)")
        try:
            tree = ast.parse(_to_python(source))
        except SyntaxError:
            continue
        scanner.visit(tree)
    return scanner.found
