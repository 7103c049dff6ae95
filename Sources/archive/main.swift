import Pipeline
import StageFunction

await StageFunction.serve { ArchiveStage(objects: $0.objects, config: $0.config) }
