import StageFunction

await FailureFunction.serve()
