import ArgumentParser

@main
struct Darkroom: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "darkroom",
        abstract: "Validate, describe, resize and archive images: the Darkroom pipeline on this machine.",
        subcommands: [
            ProcessCommand.self, InspectCommand.self, PresignCommand.self, ThumbnailCommand.self, VariantsCommand.self,
            ReconcileCommand.self, RederiveCommand.self, AdoptCommand.self, ServeCommand.self, SignBenchCommand.self,
            RenderCommand.self,
        ])
}
