#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import API
import LambdaRuntime

// The HTTP API behind API Gateway (payload 2.0): routes in the API library, this loop around them.
await LambdaRuntime.main(
    initialize: { environment in
        let logger = JSONLogger(level: environment.logLevel)
        // The API secret and the rendition key are read from their secrets here, once, never from
        // the environment.
        let variables = try await APISecret.resolved(ProcessInfo.processInfo.environment)
        // With private delivery, the CloudFront signing key too (EdgeSigning).
        let signing = try await EdgeSigning.fromEnvironment(variables)
        var api = try ImageAPI.fromEnvironment(variables, signing: signing, log: { logger.error($0) })
        api.renditions = try await RenditionLinks.fromEnvironment(variables)
        api.renditions?.signing = signing
        return api
    },
    handler: { (api: ImageAPI, body, _) in
        let response: APIResponse
        do {
            response = await api.handle(try APIGateway.request(body))
        } catch let problem as Problem {
            response = problem.response
        }
        return APIGateway.response(response)
    })
