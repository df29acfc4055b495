import MarkovMachineScheduling

/// The paper's stability cases (docs/markov-machine.md §A11): case 1 (q = 0.35, s = 0.3, unstable)
/// and case 2 (q = 0.5, s = 0.5, stable although the sufficient conditions fail).
enum PaperCases {
  static var case1: MachineParameters {
    get throws {
      try MachineParameters(
        flipProbability: 0.35, busyAfterCompletionProbability: 0.3,
        serviceProbabilities: [0.55, 0.73, 0.84, 0.91],
        arrivalProbabilities: [0.09, 0.09, 0.12, 0.14],
        samplingCost: 5)
    }
  }
  static var case2: MachineParameters {
    get throws {
      try MachineParameters(
        flipProbability: 0.5, busyAfterCompletionProbability: 0.5,
        serviceProbabilities: [0.4, 0.6, 0.8, 0.94],
        arrivalProbabilities: [0.04, 0.05, 0.06, 0.06],
        samplingCost: 5)
    }
  }
}
