import Pipeline
import PixelStages
import StageFunction

await StageFunction.serve { VariantStage(.resize, objects: $0.objects, config: $0.config) }
