"""Your own MDPs and chains through `offloadlab.mdp` (the `offload mdp` command), checked
against values worked by hand, closed forms, and the built-in model's certified solve."""

from __future__ import annotations

import numpy as np
import pytest
from reference import truncated_mm1

import offloadlab as ol

INF = np.inf


def two_state(cost_of_moving: float = 0.5) -> ol.MDPModel:
    """State 0: action 0 stays (cost 1), action 1 moves to 0 or 1 w.p. 1/2 (cost c);
    state 1: one action, back to 0 (cost 0). docs/model-format.md §1.4 with c = 2."""
    transitions = np.array([[[1.0, 0.0], [1.0, 0.0]], [[0.5, 0.5], [0.0, 0.0]]])
    return ol.MDPModel.from_actions(transitions, np.array([[1.0, cost_of_moving], [0.0, INF]]))


def test_discounted_two_state_values_worked_by_hand(offload):
    # Moving (c = 0.5) is optimal at gamma = 0.9: V0 = 0.5 + 0.9 (V0 + V1) / 2, V1 = 0.9 V0
    # give V0 = 0.5 / 0.145 = 100/29 and V1 = 90/29; staying would cost 1 + 0.9 V0 > V0.
    result = ol.mdp.solve(two_state(), discount=0.9, tolerance=1e-10, offload=offload)
    assert result.converged and result.error_bound <= 1e-10 * max(1, 100 / 29)
    assert np.all(np.abs(result.values - [100 / 29, 90 / 29]) <= result.error_bound + 1e-15)
    assert result.policy.tolist() == [1, 0]
    assert result.actions.tolist() == [1, 0]
    assert result.discount_factor == 0.9
    assert list(result.table().columns) == ["value", "action", "action_label"]


def test_average_cost_gain_worked_by_hand(offload):
    # Moving: the chain 0 -> {0, 1}, 1 -> 0 has pi = (2/3, 1/3) and gain 2/3 * 0.5 = 1/3;
    # staying has gain 1. The bracket must contain 1/3.
    result = ol.mdp.solve(two_state(), criterion="average", offload=offload)
    assert result.gain_lower <= 1 / 3 <= result.gain_upper
    assert result.gain_upper - result.gain_lower <= 1e-6
    assert result.policy.tolist() == [1, 0]


def test_evaluate_a_fixed_policy_worked_by_hand(offload):
    # Staying forever: V0 = 1 / (1 - 0.9) = 10, V1 = 0.9 * 10 = 9.
    result = ol.mdp.evaluate(two_state(), [0, 0], discount=0.9, tolerance=1e-10, offload=offload)
    assert np.all(np.abs(result.values - [10, 9]) <= result.error_bound + 1e-14)
    assert result.policy.tolist() == [0, 0]


def test_continuous_time_values_worked_by_hand(offload):
    # State 0 goes to 1 at rate 2 (cost rate 0). In state 1, service at rate 3 (cost rate
    # 1) or at rate 6 (cost rate 1.2). With beta = 1: V0 = 2 V1 / 3 in both cases;
    # slow: 4 V1 = 1 + 3 V0 gives V1 = 1/2; fast: 7 V1 = 1.2 + 6 V0 gives V1 = 2/5 (better).
    rates = [
        np.array([[0.0, 2.0], [3.0, 0.0]]),  # action 0
        np.array([[0.0, 0.0], [6.0, 0.0]]),  # action 1 (only in state 1)
    ]
    costs = np.array([[0.0, INF], [1.0, 1.2]])
    model = ol.MDPModel.from_actions(rates, costs, time="continuous")
    result = ol.mdp.solve(
        model,
        continuous_discount=1.0,
        tolerance=1e-10,
        tolerance_mode="absolute",
        offload=offload,
    )
    assert np.all(np.abs(result.values - [4 / 15, 2 / 5]) <= result.error_bound + 1e-15)
    assert result.policy.tolist() == [0, 1]
    assert result.uniformization_rate >= 6


def test_mm1k_chain_stationary_distribution_is_the_closed_form(offload):
    # M/M/1/K, lambda = 1, mu = 2, K = 6, as a generator; cost = number in system.
    capacity, arrival, service = 6, 1.0, 2.0
    generator = np.zeros((capacity + 1, capacity + 1))
    for n in range(capacity):
        generator[n, n + 1] = arrival
        generator[n + 1, n] = service
    np.fill_diagonal(generator, -generator.sum(axis=1))
    result = ol.mdp.stationary(
        generator, np.arange(capacity + 1.0), time="continuous", offload=offload
    )
    expected = truncated_mm1(arrival, service, capacity)
    assert result.distribution[-1] == pytest.approx(expected["blocking_probability"], rel=1e-12)
    assert result.average_cost == pytest.approx(expected["mean_jobs"], rel=1e-12)
    assert result.distribution.sum() == pytest.approx(1, abs=1e-14)


@pytest.fixture(scope="module")
def built_in(offload):
    return ol.modes.export(buffer=6, tolerance=1e-10, tolerance_mode="absolute", offload=offload)


@pytest.mark.parametrize("form", ["choice", "post-decision"])
def test_built_in_model_from_arrays_gives_the_built_in_values(built_in, form, offload):
    model = built_in.as_choice_form() if form == "choice" else built_in
    # the exported discount factor travels with the model
    result = ol.mdp.solve(model, tolerance=1e-10, tolerance_mode="absolute", offload=offload)
    assert result.discount_factor == built_in.metadata["discountFactor"]
    reference = built_in.arrays["referenceValues"]
    bound = result.error_bound + built_in.metadata["referenceErrorBound"]
    assert np.max(np.abs(result.values - reference)) <= bound
    # policies differ only where the candidates are tied within the two bounds
    transitions, costs, _ = built_in.choices()
    q = costs + built_in.metadata["discountFactor"] * (transitions @ reference)
    start = built_in.candidate_start[:-1]
    gap = q[start + result.policy] - q[start + built_in.arrays["referencePolicy"]]
    assert np.max(np.abs(gap)) <= 2 * bound


def test_bad_solver_options_are_usage_errors(offload):
    with pytest.raises(ol.OffloadUsageError) as caught:
        ol.mdp.solve(two_state(), discount=1.5, offload=offload)
    assert caught.value.exit_code == 64
    assert "--discount" in caught.value.message and "[0, 1)" in caught.value.message


def test_a_malformed_directory_is_a_usage_error_naming_the_file(tmp_path, offload):
    ol.write_model(tmp_path, two_state(), discount_factor=0.9)
    costs = tmp_path / "costs.float64"
    costs.write_bytes(costs.read_bytes()[:-8])
    with pytest.raises(ol.OffloadUsageError, match="costs.float64") as caught:
        ol.mdp.solve(tmp_path, offload=offload)
    assert caught.value.exit_code == 64


def test_iteration_limit_is_not_converged_with_the_partial_result(offload):
    with pytest.raises(ol.NotConvergedError) as caught:
        ol.mdp.solve(
            two_state(),
            discount=0.99,
            method="value-iteration",
            max_iterations=2,
            tolerance=1e-12,
            offload=offload,
        )
    assert caught.value.exit_code == 2
    assert caught.value.document["status"] != "converged"


def test_prism_files_solved_by_the_tool_and_by_the_python_reader(tmp_path, offload):
    # The two-state MDP again, as Storm-variant PRISM files: state reward 1 in state 0,
    # and a transition reward of -1 on the move's transition to state 1 (so the move costs
    # 1 + 0.5 * (-1) = 0.5): V = (100/29, 90/29), move in state 0.
    prefix = tmp_path / "two"
    (tmp_path / "two.tra").write_text("mdp\n0 0 0 1\n0 1 0 0.5 move\n0 1 1 0.5 move\n1 0 0 1\n")
    (tmp_path / "two.srew").write_text("0 1\n")
    (tmp_path / "two.trew").write_text("0 1 1 -1\n")
    for model in (prefix, ol.read_prism(prefix)):
        result = ol.mdp.solve(model, discount=0.9, tolerance=1e-10, offload=offload)
        assert np.all(np.abs(result.values - [100 / 29, 90 / 29]) <= result.error_bound + 1e-15)
        assert result.policy.tolist() == [1, 0]
        if model is prefix:
            assert result.policy_labels == ["move", ""]
    with pytest.raises(FileNotFoundError, match="neither a model directory"):
        ol.mdp.solve(tmp_path / "absent", offload=offload)


def test_admission_control_gain_is_the_best_threshold_of_the_product_form(offload):
    # Admission control of an M/M/c/K queue (the model of Examples/, written here from
    # arrays): in state n admit (rate lambda to n + 1) or reject (cost r per rejected
    # arrival); holding cost h per customer and unit time. The cost of "admit below T" is
    # that of an M/M/c/T queue: h E[n] + r lambda P(n = T), with pi_n proportional to
    # lambda^n / prod_{k <= n} min(k, c) mu; the optimal gain is the least over T.
    arrival, service, servers, capacity, holding, rejection = 2.5, 1.0, 3, 20, 1.0, 6.0
    states = capacity + 1
    admit, reject = np.zeros((states, states)), np.zeros((states, states))
    for n in range(states):
        if n > 0:
            admit[n, n - 1] = reject[n, n - 1] = min(n, servers) * service
        if n < capacity:
            admit[n, n + 1] = arrival
    n = np.arange(states)
    costs = np.stack([holding * n, holding * n + rejection * arrival], axis=1)
    costs[capacity, 0] = INF  # a full system rejects
    model = ol.MDPModel.from_actions([admit, reject], costs, time="continuous")
    result = ol.mdp.solve(model, criterion="average", tolerance=1e-10, offload=offload)

    def threshold_cost(threshold):
        weights = np.cumprod(
            [1.0] + [arrival / (min(k, servers) * service) for k in range(1, threshold + 1)]
        )
        pi = weights / weights.sum()
        return holding * (np.arange(threshold + 1) @ pi) + rejection * arrival * pi[-1]

    cost_of = [threshold_cost(threshold) for threshold in range(capacity + 1)]
    best = int(np.argmin(cost_of))
    assert result.gain_lower - 1e-12 <= cost_of[best] <= result.gain_upper + 1e-12
    assert result.gain_upper - result.gain_lower <= 2 * 1e-10 * max(1, cost_of[best])
    assert 0 < best < capacity  # the instance has an interior threshold
    chosen = result.actions[: best + 1].tolist()  # the recurrent states 0..T*
    assert chosen == [0] * best + [1]
