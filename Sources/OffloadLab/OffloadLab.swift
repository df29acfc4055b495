// Umbrella module: one import gives the numerics core and every model.
@_exported import BatchServiceQueue
@_exported import CollaborativeInference
@_exported import GenerativeMarkov
@_exported import LinearKernels
@_exported import MarkovMachineScheduling
@_exported import MarkovSolvers
@_exported import ModelFiles
@_exported import ServiceModeOffloading
@_exported import TaskReplication
