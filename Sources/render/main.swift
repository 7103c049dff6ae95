#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import LambdaRuntime
import Rendering

// Renditions behind a function URL (CloudFront's /r/* behaviour): the service in Rendering, this
// loop around it.
await LambdaRuntime.main(
    initialize: { environment in
        let logger = JSONLogger(level: environment.logLevel)
        return try await RenderFunction.service(ProcessInfo.processInfo.environment, log: { logger.error($0) })
    },
    handler: { (service: RenderService, body, _) in
        let request: RenderRequest
        do {
            request = try FunctionURL.request(body)
        } catch {
            return FunctionURL.response(
                RenderService.problem(.init(.badOptions, "the invocation is not a function URL event")))
        }
        return FunctionURL.response(await service.handle(request))
    })
