import StageFunction

await ReconcileFunction.serve()
