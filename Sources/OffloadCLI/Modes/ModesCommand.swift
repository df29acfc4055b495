import ArgumentParser

/// `offload modes`: the service-mode offloading model (SM1/SM2) of docs/service-modes.md.
struct ModesCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "modes",
    abstract: "Service-mode offloading (SM1/SM2): optimal policy, thresholds, exact delay.",
    discussion: """
      Jobs arrive at rate lambda; each is assigned to SM1 (whole job at the cloud, rate \
      mu_c1 = K mu0) or SM2 (local stage at rate mu_l2 = mu0/f, then cloud at rate \
      mu_c2 = K mu0/(1-f)). The state is (xb, xl, x1, x2): base queue, local SM2 job, cloud \
      SM1 job, cloud SM2 queue. Action codes: 0 idle, 1 SM1, 2 SM2, 3 SM1 then SM2.

      The configurations (a)-(d), B = 50 and gamma = 0.99 are PLACEHOLDERS: the paper's \
      values were lost (docs/service-modes.md §S0, §S9).
      """,
    subcommands: [
      ModesSolveCommand.self, ModesDelayCommand.self, ModesSweepCommand.self,
      ModesBenchCommand.self, ModesExportCommand.self,
    ]
  )
}
