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
        let variables = ProcessInfo.processInfo.environment
        var api = try ImageAPI.fromEnvironment(variables, log: { logger.error($0) })
        // The rendition key is read from its secret here, once, never from the environment.
        api.renditions = try await RenditionLinks.fromEnvironment(variables)
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
