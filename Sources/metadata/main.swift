import Pipeline
import PixelStages
import StageFunction

await StageFunction.serve { MetadataStage(objects: $0.objects, config: $0.config) }
