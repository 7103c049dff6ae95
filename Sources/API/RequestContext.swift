import Pipeline

/// What every route is given once the caller is known: the request, and the owner its token
/// speaks for. Authentication is this one step, before any route runs; a route never reads the
/// token itself.
struct RequestContext: Sendable {
    var request: APIRequest
    /// The owner id the caller's subject maps to (`Owner.operatorId` for the operator's subject).
    var owner: String
}

extension ImageAPI {
    /// The caller's context. - Throws: `Problem` 401 when the request carries no verified subject.
    func authenticate(_ request: APIRequest) throws -> RequestContext {
        guard let subject = request.subject, !subject.isEmpty else {
            throw Problem(401, "unauthenticated", "A bearer token is needed (Authorization: Bearer ...).")
        }
        let owner = subject == config.operatorSubject ? Owner.operatorId : Owner.id(subject: subject)
        return RequestContext(request: request, owner: owner)
    }
}
