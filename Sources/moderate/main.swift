import Pipeline
import StageFunction

await StageFunction.serve { ModerateStage(moderator: $0.moderator, minConfidence: $0.config.minConfidence) }
