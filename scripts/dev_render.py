"""Developer aid: render an answers file into a folder, skipping modules whose templates do not exist yet.

Usage: .venv/bin/python scripts/dev_render.py examples/restricted-phi-bedrock.yaml /tmp/out
(No manifest, no scan: use `guardform generate` for the real thing.)
"""

import shutil
import sys
from pathlib import Path

from wizard.answers import load_answers
from wizard.plan import plan as make_plan
from wizard.render import MODULE_FILES, STACK_FILES, _render_one, make_environment, templates_dir

answers = load_answers(sys.argv[1]).answers
out = Path(sys.argv[2])
shutil.rmtree(out, ignore_errors=True)
p = make_plan(answers)
env = make_environment()
tdir = templates_dir()
for name in STACK_FILES:
    if (tdir / "stack" / f"{name}.j2").exists():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text(_render_one(env, f"stack/{name}.j2", plan=p, module="stack"))
for module in p.modules:
    for name in MODULE_FILES:
        if (tdir / module / f"{name}.j2").exists():
            target = out / "modules" / module / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(_render_one(env, f"{module}/{name}.j2", plan=p, module=module))
        else:
            print(f"(skipped {module}/{name}: no template yet)", file=sys.stderr)
print(f"rendered into {out}")
