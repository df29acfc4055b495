"""The built-in service-mode model through `offloadlab.modes`, checked against
independent computations: the M/M/1/K closed form, and policy iteration in numpy on the
exported arrays (docs/python.md §3)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from reference import policy_iteration, truncated_mm1

import offloadlab as ol

# Configuration (a) as raw rates (lambda, mu_c1, mu_l2, mu_c2), so the tests know them.
RATES = dict(arrival_rate=3.0, sm1_cloud_rate=5.0, sm2_local_rate=5 / 3, sm2_cloud_rate=12.5)
BUFFER = 8


def test_offload_only_delay_is_the_mm1k_closed_form(offload):
    # Offload-only sends every job to the cloud as SM1: an M/M/1 queue with room for
    # B + 1 jobs (B waiting, one in the cloud).
    # 1e-10: the average-optimal row's certified gain bracket counts round-off, and at
    # 1e-12 (relative) it stops at its floating-point floor (exit 2).
    result = ol.modes.delay(buffer=BUFFER, **RATES, tolerance=1e-10, offload=offload)
    row = result.policies.loc["offload-only"]
    expected = truncated_mm1(RATES["arrival_rate"], RATES["sm1_cloud_rate"], BUFFER + 1)
    for name, value in expected.items():
        assert row[name] == pytest.approx(value, rel=1e-9), name
    assert row["sm1_share"] == pytest.approx(1.0, abs=1e-12)
    assert bool(row["converged"])
    assert list(result.policies.index[:2]) == ["optimal", "optimal-average"]
    # every policy's mean delay is Little's law on its own figures
    table = result.policies
    assert np.allclose(table.mean_delay, table.mean_jobs / table.effective_arrival_rate, rtol=1e-12)


def test_a_policy_that_admits_no_job_has_an_undefined_delay_with_its_reason(offload):
    # rho = 0.9, K = 0.5, f = 0.1, B = 2: far outside the stability region, so the optimum
    # of this small truncation idles with a full base buffer (docs/service-modes.md §S2.3):
    # by hand, the B = 2 queued jobs never leave and no job is admitted, so L = 2, the
    # blocking probability is 1 and T = L / 0 has no value (JSON null with a reason).
    options = dict(load=0.9, cloud_speedup=0.5, local_fraction=0.1, buffer=2)
    with pytest.warns(ol.OffloadWarning) as caught:
        result = ol.modes.delay(**options, offload=offload)
    messages = [str(warning.message) for warning in caught]
    assert any(text.startswith("optimal: assumption jobs admitted") for text in messages)
    optimal = result.policies.loc["optimal"]
    assert np.isnan(optimal["mean_delay"]) and result.policies.mean_delay.dtype == float
    assert "admits no job" in optimal["mean_delay_undefined"]
    assert optimal["mean_jobs"] == pytest.approx(2.0, abs=1e-12)
    assert optimal["blocking_probability"] == pytest.approx(1.0, abs=1e-12)
    assert optimal["effective_arrival_rate"] == pytest.approx(0.0, abs=1e-12)
    # offload-only admits jobs: its delay is defined and has no reason attached
    assert np.isfinite(result.policies.loc["offload-only", "mean_delay"])
    assert pd.isna(result.policies.loc["offload-only", "mean_delay_undefined"])


def test_sweep_rows_follow_the_closed_form_at_each_value(offload):
    arrivals = [1.0, 2.5, 4.5]
    rates = dict(RATES, arrival_rate=arrivals)
    table = ol.modes.sweep(buffer=BUFFER, **rates, offload=offload)
    assert list(table.columns[:2]) == ["arrival_rate", "policy"]
    only = table[table.policy == "offload-only"].set_index("arrival_rate")
    assert list(only.index) == arrivals
    for arrival in arrivals:
        expected = truncated_mm1(arrival, RATES["sm1_cloud_rate"], BUFFER + 1)
        assert only.loc[arrival, "blocking_probability"] == pytest.approx(
            expected["blocking_probability"], rel=1e-9
        )
        assert only.loc[arrival, "mean_delay"] == pytest.approx(expected["mean_delay"], rel=1e-9)
    # the per-point parameters travel as columns
    assert np.allclose(table.sm1_cloud_rate, RATES["sm1_cloud_rate"])
    assert set(table.buffer_limit) == {BUFFER}


@pytest.fixture(scope="module")
def exported(offload):
    """The exported model with a tight absolute certificate, and numpy's own solve."""
    model = ol.modes.export(
        buffer=BUFFER, **RATES, tolerance=1e-10, tolerance_mode="absolute", offload=offload
    )
    transitions, costs, states = model.choices()
    values, positions, bound = policy_iteration(
        transitions, costs, states, model.metadata["discountFactor"]
    )
    return model, values, positions, bound


def test_exported_reference_values_agree_with_numpy_policy_iteration(exported):
    model, values, positions, bound = exported
    assert model.form == "post-decision" and model.state_count == 4 * (BUFFER + 1) ** 2
    reference = model.arrays["referenceValues"]
    certified = model.metadata["referenceErrorBound"]
    assert certified <= model.metadata["tolerance"] == 1e-10
    assert np.max(np.abs(reference - values)) <= certified + bound
    # the reference policy is greedy for numpy's values wherever the choice is not a tie
    transitions, costs, _ = model.choices()
    q = costs + model.metadata["discountFactor"] * (transitions @ values)
    start = model.candidate_start
    chosen = q[start[:-1] + model.arrays["referencePolicy"]]
    best = np.minimum.reduceat(q, start[:-1])
    assert np.max(chosen - best) <= 2 * (certified + bound) + 1e-12 * np.max(np.abs(best))


def test_solve_heatmap_values_and_grids_match_the_export(exported, offload):
    model, values, _, bound = exported
    solution = ol.modes.solve(
        buffer=BUFFER,
        **RATES,
        tolerance=1e-10,
        tolerance_mode="absolute",
        heatmap=True,
        offload=offload,
    )
    assert solution.solver["converged"] and solution.solver["errorBound"] <= 1e-10
    heatmap = solution.heatmap
    coordinates = pd.DataFrame(model.arrays["stateCoordinates"], columns=["xb", "xl", "x1", "x2"])
    coordinates["numpy_value"] = values
    joined = heatmap.merge(coordinates, on=["xb", "xl", "x1", "x2"], validate="one_to_one")
    assert len(joined) == model.state_count
    # the CSV prints 12 significant digits
    allowance = solution.solver["errorBound"] + bound + 1e-11 * joined.numpy_value.abs()
    assert np.all(np.abs(joined.value - joined.numpy_value) <= allowance)

    def action(xb, xl, x1, x2):
        hit = heatmap[
            (heatmap.xb == xb) & (heatmap.xl == xl) & (heatmap.x1 == x1) & (heatmap.x2 == x2)
        ]
        return int(hit.action.iloc[0])

    window = solution.window
    assert solution.policy["cloud_busy"].shape == (window + 1, window + 1)
    for x2 in range(window + 1):
        for xb in range(window + 1):
            assert solution.policy["cloud_busy"][x2, xb] == action(xb, 0, 1, x2)
            assert solution.policy["cloud_idle"][x2, xb] == action(xb, 0, 0, x2)
    for xl in (0, 1):
        for xb in range(1, window + 1):
            assert solution.policy["cloud_first_set"][xl, xb - 1] == action(xb, xl, 0, 0)

    # T1(n), T0(n): the least xb >= 1 whose action starts an SM2 job (codes 2, 3)
    def threshold(x1, n):
        line = heatmap[
            (heatmap.xl == 0) & (heatmap.x1 == x1) & (heatmap.x2 == n) & (heatmap.xb >= 1)
        ]
        sm2 = line[line.action.isin([2, 3])].xb
        return pd.NA if sm2.empty else int(sm2.min())

    expected = pd.DataFrame(
        {
            "T1": pd.array([threshold(1, n) for n in range(window + 1)], dtype="Int64"),
            "T0": pd.array(
                [pd.NA] + [threshold(0, n) for n in range(1, window + 1)], dtype="Int64"
            ),
        },
        index=pd.RangeIndex(0, window + 1, name="n"),
    )
    pd.testing.assert_frame_equal(solution.thresholds, expected)


def test_any_command_as_csv_or_json(offload):
    rates = dict(RATES, arrival_rate=[1.0, 4.5])
    table = ol.command("modes", "sweep", format="csv", buffer=BUFFER, **rates, offload=offload)
    only = table[table.policy == "offload-only"]
    expected = [
        truncated_mm1(arrival, RATES["sm1_cloud_rate"], BUFFER + 1)["mean_delay"]
        for arrival in (1.0, 4.5)
    ]
    assert np.allclose(only.mean_delay, expected, rtol=1e-9)
    document = ol.command("modes", "delay", buffer=BUFFER, **RATES, offload=offload)
    assert {policy["name"] for policy in document["policies"]} >= {"optimal", "offload-only"}
    with pytest.raises(ValueError, match="format"):
        ol.command("modes", "delay", format="table", offload=offload)


def test_the_documents_of_the_shared_output_kit_are_read_too(fake_tool, tmp_path):
    # The JSON shapes the shared CLI output kit writes (thresholds as equal-length arrays
    # with "never" and null, x2-direction thresholds in their own object, sweeps named by
    # `swept` with a `values` object per point), written here by hand.
    solve = {
        "structure": {"window": 2},
        "thresholds": {"n": [0, 1, 2], "cloudBusy": [3, "never", 1], "cloudIdle": [None, 2, 1]},
        "cloudQueueThresholds": {"xb": [1, 2], "cloudBusy": [0, "never"], "cloudIdle": [4, 1]},
        "policy": {"cloudFirstSet": [[1, 1], [1, 3]], "cloudBusy": [[0] * 3] * 3,
                   "cloudIdle": [[0] * 3] * 3},
        "solver": {"converged": True}, "parameters": {}, "provenance": {"tool": "offload"},
        "warnings": [],
    }  # fmt: skip
    (tmp_path / "solve.json").write_text(json.dumps(solve))
    tool = ol.Offload(fake_tool(f"cat {tmp_path / 'solve.json'}"))
    solution = ol.modes.solve(offload=tool)
    assert solution.thresholds.T1.tolist() == [3, pd.NA, 1]
    assert solution.thresholds.T0.tolist() == [pd.NA, 2, 1]
    assert solution.cloud_queue_thresholds.loc[2].tolist() == [pd.NA, 1]
    assert solution.provenance == {"tool": "offload"}

    point = {
        "policies": [
            {"name": "optimal", "meanDelay": 0.5},
            {"name": "admits-nothing", "meanDelay": None, "meanDelayUndefined": "no job"},
        ],
        "parameters": {"load": 0.4},
    }
    sweep = {
        "swept": ["load", "cloud_speedup"],
        "points": [dict(point, point=1, values={"load": 0.4, "cloud_speedup": 2.0})],
        "provenance": {}, "warnings": ["a warning"],
    }  # fmt: skip
    (tmp_path / "sweep.json").write_text(json.dumps(sweep))
    tool = ol.Offload(fake_tool(f"cat {tmp_path / 'sweep.json'}"))
    with pytest.warns(ol.OffloadWarning, match="a warning"):
        table = ol.modes.sweep(offload=tool)
    assert list(table.columns[:4]) == ["load", "cloud_speedup", "policy", "mean_delay"]
    assert table.iloc[0, :4].tolist() == [0.4, 2.0, "optimal", 0.5]
    assert np.isnan(table.mean_delay[1]) and table.mean_delay.dtype == float
    assert table.mean_delay_undefined[1] == "no job"
