"""The protocol id names what determines the numbers (content hashes, settings, code), never how an input was
typed: the same images scored from a relative, a ./-prefixed and an absolute path, and through the API, share one
id, so that gate and compare accept them as one protocol."""

from __future__ import annotations

import json

import ganbench
from tests.helpers import run_cli, write_pngs


def test_the_protocol_id_does_not_depend_on_how_a_path_is_typed(tmp_path, quick_test, quick_train):
    write_pngs(tmp_path / "real", quick_test.images[:8].numpy())
    write_pngs(tmp_path / "fake", quick_train.images[:8].numpy())
    ids, values = {}, {}
    for real in ("real", "./real", str(tmp_path / "real")):
        proc = run_cli("score", "--real", real, "--fake", "fake", "--metrics", "kid", "--json", cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        result = json.loads(proc.stdout)
        ids[real], values[real] = result["protocol"]["id"], result["metrics"]["kid_mean"]
    api = ganbench.score(str(tmp_path / "real"), str(tmp_path / "fake"), "kid")
    ids["api"], values["api"] = api.protocol_id, api.values["kid"]
    assert len(set(values.values())) == 1, values  # the same images give the same number...
    assert len(set(ids.values())) == 1, ids  # ...under the same protocol id
    # Other real images are another protocol: the id still follows the content.
    write_pngs(tmp_path / "other", quick_test.images[8:16].numpy())
    other = ganbench.score(str(tmp_path / "other"), str(tmp_path / "fake"), "kid")
    assert other.protocol_id != api.protocol_id
