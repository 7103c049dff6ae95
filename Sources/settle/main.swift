import StageFunction

await SettleFunction.serve()
