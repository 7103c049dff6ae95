import Pipeline
import PixelStages
import StageFunction

await StageFunction.serve { ValidateStage(objects: $0.objects, config: $0.config) }
