#!/usr/bin/env bash
# Test what a release ships, not the checkout: install dist/*.whl (built by `python -m build`) in a
# fresh venv, run its smoke test, then the fast tests against the installed package.
# Usage: .github/scripts/check-dist.sh [TAG [PYTEST ARGS…]]
#   TAG (e.g. v0.2.0) must match the package version; "" skips that check. PYTEST ARGS narrow the tests.
set -euo pipefail
cd "$(dirname "$0")/../.."
tag="${1:-}"
shift || true

wheels=(dist/guardform-*.whl)
sdists=(dist/guardform-*.tar.gz)
[[ ${#wheels[@]} -eq 1 && -f "${wheels[0]}" ]] || { echo "expected exactly one wheel in dist/" >&2; exit 1; }
[[ ${#sdists[@]} -eq 1 && -f "${sdists[0]}" ]] || { echo "expected exactly one sdist in dist/" >&2; exit 1; }
wheel="${wheels[0]}"
wheel_version="$(basename "$wheel" | cut -d- -f2)"
if [[ -n "$tag" && "$tag" != "v$wheel_version" ]]; then
  echo "tag $tag does not match the built version $wheel_version (wizard.__version__): tag v$wheel_version" >&2
  exit 1
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 -m venv "$work/venv"
py="$work/venv/bin/python"
"$py" -m pip install -q --disable-pip-version-check "${wheel}[test]"

# Smoke test: the installed command, its version, and a generate from outside the source tree.
version="$("$work/venv/bin/guardform" --version | awk '{print $NF}')"
echo "installed guardform $version from $wheel"
if [[ "$version" != "$wheel_version" ]]; then
  echo "guardform --version says $version but the wheel is $wheel_version: dist/ holds a stale build" \
    "(rebuild it: both read wizard.__version__)" >&2
  exit 1
fi
mkdir "$work/elsewhere"
cp examples/internal-training.yaml "$work/elsewhere/answers.yaml"
(cd "$work/elsewhere" && env -u PYTHONPATH "$work/venv/bin/guardform" generate --answers answers.yaml \
  --out out --no-scan >/dev/null)
ls "$work"/elsewhere/out/*/main.tf >/dev/null

# The fast tests, against the installed package: a copy of the tests and their data in which
# wizard/ is a link to the installed package, so both `import wizard` and tests that read its files
# (the checks, plan.py) get what the wheel installed, never the checkout's source.
mkdir "$work/src"
cp -r tests examples modules_out docs templates pyproject.toml README.md .github "$work/src/"
[[ -f .pre-commit-hooks.yaml ]] && cp .pre-commit-hooks.yaml "$work/src/"
cd "$work"  # not the checkout, where `import wizard` would find the source
installed="$("$py" -c 'import pathlib, wizard; print(pathlib.Path(wizard.__file__).resolve().parent)')"
ln -s "$installed" "$work/src/wizard"
cd "$work/src"
"$py" - <<'PY'
import pathlib, wizard
where = pathlib.Path(wizard.__file__).resolve()
assert "site-packages" in where.parts, f"tests would import {where}, not the installed wheel"
print(f"testing the installed package at {where.parent}")
PY
"$py" -m pytest -q -p no:cacheprovider -m "not checkov and not slow" "$@"
