import FlyingFox
import Foundation
import Rendering

extension LocalServer {
    /// Where `darkroom serve` answers rendition URLs: where a distribution does (`/r/*`).
    static let renditionsPrefix = FunctionURL.prefix

    /// A rendition, by a URL the API signed: the same service as the render function, over the
    /// folder. No bearer token: the signature is the permission, as at the edge.
    func rendition(_ request: HTTPRequest) async -> HTTPResponse {
        let answer = await render.handle(
            RenderRequest(
                method: request.method.rawValue, path: String(request.path.dropFirst(Self.renditionsPrefix.count)),
                accept: request.headers[HTTPHeader("Accept")]))
        var headers = HTTPHeaders()
        for (name, value) in answer.headers where name != "Content-Length" { headers[HTTPHeader(name)] = value }
        return HTTPResponse(
            statusCode: HTTPStatusCode(answer.status, phrase: RenderService.titles[answer.status] ?? "Status"),
            headers: headers, body: Data(answer.body))
    }
}
