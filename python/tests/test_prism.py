"""PRISM explicit files read into models (docs/model-format.md §2), both variants, with
costs worked by hand from the rule c(s, a) = srew(s) + sum_t P(s, a, t) trew(s, a, t)."""

from __future__ import annotations

import numpy as np
import pytest

import offloadlab as ol

TRANSITIONS = """0 0 0 1 stay
0 1 1 0.5 go
0 1 2 0.5 go
1 0 0 1
2 0 2 0.25
2 0 0 0.75
"""


def write(tmp_path, files):
    for suffix, text in files.items():
        (tmp_path / f"m.{suffix}").write_text(text)
    return str(tmp_path / "m")


@pytest.mark.parametrize("variant", ["prism", "storm"])
def test_both_variants_give_the_hand_worked_costs(tmp_path, variant):
    if variant == "prism":
        files = {
            "tra": "3 4 6\n" + TRANSITIONS,
            "srew": "3 2\n0 1\n2 4\n",
            "trew": "# costs\n3 4 2\n0 1 1 2\n0 1 2 6\n",
            "lab": '0="init" 1="goal"\n0: 0\n2: 1\n',
            "sta": "(x,flag)\n0:(0,false)\n1:(1,true)\n2:(2,false)\n",
        }
    else:
        files = {
            "tra": "mdp\n" + TRANSITIONS,
            "srew": "0 1\n2 4\n",
            "trew": "0 1 1 2\n0 1 2 6\n",
            "lab": "#DECLARATION\ninit goal\n#END\n0 init\n2 goal\n",
        }
    model = ol.read_prism(write(tmp_path, files))
    assert model.metadata["variant"].lower().startswith(variant)
    # (0,0): srew 1; (0,1): 1 + 0.5*2 + 0.5*6 = 5; (1,0): 0; (2,0): srew 4
    assert model.costs.tolist() == [1, 5, 0, 4]
    assert model.candidate_start.tolist() == [0, 2, 3, 4]
    assert model.transitions.toarray().tolist() == [
        [1, 0, 0],
        [0, 0.5, 0.5],
        [1, 0, 0],
        [0.75, 0, 0.25],
    ]
    assert model.metadata["labels"]["init"].tolist() == [0]
    assert model.metadata["labels"]["goal"].tolist() == [2]
    if variant == "prism":
        assert model.metadata["coordinateNames"] == ["x", "flag"]
        assert model.arrays["stateCoordinates"].tolist() == [[0, 0], [1, 1], [2, 0]]


def test_line_order_does_not_matter_and_labels_are_kept(tmp_path):
    lines = TRANSITIONS.splitlines()
    shuffled = "\n".join([lines[4], lines[2], lines[0], lines[5], lines[3], lines[1]]) + "\n"
    model = ol.read_prism(write(tmp_path, {"tra": "mdp\n" + shuffled, "trew": "0 1 2 6\n"}))
    assert model.candidate_start.tolist() == [0, 2, 3, 4]
    assert model.costs.tolist() == [0, 3, 0, 0]
    assert model.transitions.toarray()[3].tolist() == [0.75, 0, 0.25]
    assert model.metadata["choiceLabels"] == ["stay", "go", None, None]


@pytest.mark.parametrize(
    "files, message",
    [
        ({"srew": "3 5\n0 1\n"}, "m.srew:1: the counts line says 5 entries, the file has 1"),
        ({"trew": "3 4 9\n0 1 1 2\n"}, "m.trew:1: the counts line should be 3 4 1"),
        ({"trew": "0 1 1 2\n0 1 1 3\n"}, "m.trew:2: names no transition"),
        ({"trew": "0 0 1 2\n"}, "m.trew:1: names no transition"),
        ({"srew": "0 1\n0 2\n"}, "m.srew:2: state out of range or listed twice"),
    ],
)
def test_malformed_reward_files(tmp_path, files, message):
    with pytest.raises(ol.ModelFormatError, match=message):
        ol.read_prism(write(tmp_path, {"tra": "3 4 6\n" + TRANSITIONS, **files}))


def test_ctmc_rates_and_state_costs(tmp_path):
    prefix = write(tmp_path, {"tra": "ctmc\n0 1 2.0\n1 0 3.0\n1 1 -3.0\n", "srew": "1 1\n"})
    chain = ol.read_prism(prefix)
    assert isinstance(chain, ol.MarkovChain) and chain.time == "continuous"
    assert chain.transitions.toarray().tolist() == [[0, 2], [3, 0]]
    assert chain.costs.tolist() == [0, 1]


@pytest.mark.parametrize(
    "tra, message",
    [
        ("3 4 7\n" + TRANSITIONS, "m.tra:1: the header says 7 transitions, the file has 6"),
        ("3 5 6\n" + TRANSITIONS, "m.tra:1: the header says 5 choices, the file has 4"),
        ("mdp\n0 0 0 1\n0 2 1 1\n1 0 0 1\n", "m.tra:3: state 0 has choice 2 but not choice 1"),
        ("mdp\n0 0 0 0.5\n0 0 1 0.4\n1 0 0 1\n", "sums to 0.9"),
        ("mdp\n0 0 0 nan\n", "m.tra:2: must be a finite decimal number"),
        ("mdp\n0 0 x 1\n", "m.tra:2: target state must be an integer"),
        ("mdp\n0 0 0 1\n0 0 0 1\n", "appears twice"),
        ("mdp\n0 0 1 1\n", "state 1 has no transition"),
        ("mdp\n0 0 5 1\n0 1 0 1\n", "state 1 has no transition"),
        ("2 2 2\n0 0 0 1\n1 0 2 1\n", "m.tra:3: target state outside 0..1"),
        ("hello world foo bar\n", "expected a model type or a count header"),
    ],
)
def test_malformed_files_name_file_and_line(tmp_path, tra, message):
    with pytest.raises(ol.ModelFormatError, match=message.replace("(", r"\(").replace(".", r"\.")):
        ol.read_prism(write(tmp_path, {"tra": tra}))


def test_binary_garbage_is_rejected(tmp_path):
    (tmp_path / "m.tra").write_bytes(b"mdp\n\x00\x01\x02")
    with pytest.raises(ol.ModelFormatError, match="binary content"):
        ol.read_prism(tmp_path / "m")


@pytest.mark.parametrize("variant", ["prism", "storm"])
def test_built_in_prism_export_is_the_directory_export(tmp_path, variant, offload):
    prefix = tmp_path / "sm"
    offload.run(
        ["modes", "export", "--buffer", "4", "--output", str(tmp_path / "dir"),
         "--prism", str(prefix), "--prism-variant", variant]
    )  # fmt: skip
    from_prism = ol.read_prism(prefix)
    from_directory = ol.read_model(tmp_path / "dir").as_choice_form()
    assert from_prism.metadata["variant"].lower().startswith(variant)
    assert np.array_equal(from_prism.candidate_start, from_directory.candidate_start)
    assert abs(from_prism.transitions - from_directory.transitions).max() == 0
    # a choice's cost comes back as sum_t P(t) * cost: exact up to the rounding of that
    # sum of at most five terms
    assert np.allclose(from_prism.costs, from_directory.costs, rtol=5 * np.finfo(float).eps, atol=0)
    assert np.array_equal(
        from_prism.arrays["stateCoordinates"], from_directory.arrays["stateCoordinates"]
    )
    assert from_prism.metadata["coordinateNames"] == ["xb", "xl", "x1", "x2"]
    assert from_prism.metadata["labels"]["init"].tolist() == [0]
