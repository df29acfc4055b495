"""Models from arrays and the model directory format (docs/model-format.md §1), without
the tool."""

from __future__ import annotations

import json

import numpy as np
import pytest
import scipy.sparse as sp

import offloadlab as ol

INF = np.inf


def two_state_example() -> ol.MDPModel:
    """docs/model-format.md §1.4: state 0 stays (cost 1) or moves to 1 w.p. 0.5 (cost 2);
    state 1 has one action, back to 0 (cost 0). Action 1 is not available in state 1."""
    transitions = np.array(
        [
            [[1.0, 0.0], [1.0, 0.0]],  # action 0
            [[0.5, 0.5], [0.0, 0.0]],  # action 1 (its state-1 row is unused)
        ]
    )
    costs = np.array([[1.0, 2.0], [0.0, INF]])
    return ol.MDPModel.from_actions(transitions, costs)


def test_written_files_are_the_documented_example(tmp_path):
    ol.write_model(tmp_path, two_state_example(), discount_factor=0.9)
    meta = json.loads((tmp_path / "model.json").read_text())
    assert meta["format"] == "offloadlab-mdp-v2"
    assert (meta["kind"], meta["form"], meta["time"]) == ("mdp", "choice", "discrete")
    assert (meta["stateCount"], meta["rowCount"], meta["nonzeroCount"]) == (2, 3, 4)
    assert meta["discountFactor"] == 0.9

    def raw(name, dtype):
        return np.fromfile(tmp_path / name, dtype=dtype).tolist()

    assert raw("transitions_row_start.int64", "<i8") == [0, 1, 3, 4]
    assert raw("transitions_columns.int32", "<i4") == [0, 0, 1, 0]
    assert raw("transitions_values.float64", "<f8") == [1, 0.5, 0.5, 1]
    assert raw("costs.float64", "<f8") == [1, 2, 0]
    assert raw("candidate_start.int64", "<i8") == [0, 2, 3]
    assert not (tmp_path / "candidate_rows.int32").exists()


def test_round_trip_keeps_every_array(tmp_path):
    model = two_state_example()
    model.arrays["stateCoordinates"] = np.array([[0, 7], [1, 8]], dtype=np.int32)
    ol.write_model(tmp_path, model)
    back = ol.read_model(tmp_path)
    assert (back.transitions != model.transitions).nnz == 0
    assert np.array_equal(back.costs, model.costs)
    assert np.array_equal(back.candidate_start, model.candidate_start)
    assert np.array_equal(back.arrays["stateCoordinates"], [[0, 7], [1, 8]])
    assert back.metadata["coordinateNames"] == ["c0", "c1"]


def test_pair_form_and_action_labels():
    model = two_state_example()
    assert model.choice_states().tolist() == [0, 0, 1]
    assert model.choice_actions.tolist() == [0, 1, 0]
    pairs = ol.MDPModel.from_choices(
        sp.csr_matrix([[1, 0], [0.5, 0.5], [1, 0]]), [1, 2, 0], [0, 0, 1]
    )
    assert (pairs.transitions != model.transitions).nnz == 0


def test_sparse_matrices_per_action_give_the_same_model():
    dense = two_state_example()
    sparse = ol.MDPModel.from_actions(
        [sp.csr_matrix([[1.0, 0.0], [1.0, 0.0]]), sp.coo_matrix([[0.5, 0.5], [0.0, 0.0]])],
        np.array([[1.0, 2.0], [0.0, INF]]),
    )
    assert (sparse.transitions != dense.transitions).nnz == 0
    assert np.array_equal(sparse.costs, dense.costs)
    assert np.array_equal(sparse.choice_actions, dense.choice_actions)


def test_continuous_time_drops_the_generator_diagonal():
    # M/M/1/2 generator with lambda = 1, mu = 2: the diagonal is implied by the rates
    generator = np.array([[-1.0, 1.0, 0.0], [2.0, -3.0, 1.0], [0.0, 2.0, -2.0]])
    chain = ol.MarkovChain.from_matrix(generator, time="continuous")
    assert chain.transitions.toarray().tolist() == [[0, 1, 0], [2, 0, 1], [0, 2, 0]]
    model = ol.MDPModel.from_actions([generator], np.zeros((3, 1)), time="continuous")
    assert model.transitions.diagonal().tolist() == [0, 0, 0]


@pytest.mark.parametrize(
    "transitions, costs, message",
    [
        ([[[1.0, 0.0], [0.9, 0.0]]], [[0.0], [0.0]], "state 1, action 0 sums to 0.9"),
        ([[[1.0, 0.0], [1.5, -0.5]]], [[0.0], [0.0]], "state 1, action 0, column 1: value -0.5"),
        ([[[1.0, 0.0], [1.0, 0.0]]], [[0.0], [INF]], "state 1 has no available action"),
        ([[[1.0, 0.0], [1.0, 0.0]]], [[np.nan], [0.0]], "cost of state 0, action 0 is nan"),
        ([[[1.0, 0.0], [1.0, 0.0]]], [[0.0, 1.0], [0.0, 1.0]], "1 actions but costs has 2"),
        (np.ones((1, 2, 3)), [[0.0], [0.0]], r"shape \(2, 3\), expected \(2, 2\)"),
    ],
)
def test_bad_arrays_are_named(transitions, costs, message):
    with pytest.raises(ValueError, match=message):
        ol.MDPModel.from_actions(transitions, np.array(costs))


def test_malformed_directories_name_the_file(tmp_path):
    ol.write_model(tmp_path, two_state_example())
    values = tmp_path / "transitions_values.float64"
    values.write_bytes(values.read_bytes()[:-3])  # truncated mid-number
    with pytest.raises(ol.ModelFormatError, match="transitions_values.float64: 29 bytes"):
        ol.read_model(tmp_path)
    values.write_bytes(np.array([1, 0.5, 0.5], "<f8").tobytes())  # one entry short
    with pytest.raises(ol.ModelFormatError, match="3 entries, expected 4"):
        ol.read_model(tmp_path)
    values.write_bytes(np.array([1, 0.5, 0.4, 1], "<f8").tobytes())
    with pytest.raises(ol.ModelFormatError, match="transitions_values.float64: row 1 sums to 0.9"):
        ol.read_model(tmp_path)
    (tmp_path / "model.json").write_text('{"format": "something-else"}')
    with pytest.raises(ol.ModelFormatError, match="model.json: format 'something-else'"):
        ol.read_model(tmp_path)
