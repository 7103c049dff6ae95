#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif
import Synchronization
import Signing

/// Something that yields credentials.
public protocol CredentialProvider: Sendable {
    /// - Throws: `AWSError` `.credentials` when none can be had.
    func credentials() throws -> Credentials
    /// Whether ``credentials()`` would answer without waiting on the network (a cache that is
    /// fresh, keys at hand). Callers on the cooperative pool refresh off it when this is false.
    var answersAtOnce: Bool { get }
}

extension CredentialProvider {
    /// Fixed, environment and file providers read no network.
    public var answersAtOnce: Bool { true }
}

/// Fixed credentials (tests, or keys handed over explicitly).
public struct StaticCredentialProvider: CredentialProvider {
    private let value: Credentials
    public init(_ credentials: Credentials) { value = credentials }
    public func credentials() throws -> Credentials { value }
}

/// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`, as Lambda provides them.
public struct EnvironmentCredentialProvider: CredentialProvider {
    private let environment: AWSEnvironment
    public init(environment: AWSEnvironment) { self.environment = environment }

    public func credentials() throws -> Credentials {
        guard let id = environment["AWS_ACCESS_KEY_ID"], let secret = environment["AWS_SECRET_ACCESS_KEY"] else {
            throw AWSError(.credentials, message: "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set")
        }
        return Credentials(accessKeyId: id, secretAccessKey: secret, sessionToken: environment["AWS_SESSION_TOKEN"])
    }
}

/// Tries providers in order and keeps the first that answers; caches what it got and asks again
/// five minutes before the credentials expire.
public final class CredentialChain: CredentialProvider {
    private let providers: [any CredentialProvider]
    private let cache = Mutex<Credentials?>(nil)
    // Held while one caller refreshes: the others wait for its answer instead of each asking the
    // providers (the container endpoint) at once.
    private let refreshing = Mutex<Void>(())
    private let clock: @Sendable () -> Date

    public init(_ providers: [any CredentialProvider], clock: @escaping @Sendable () -> Date = { Date() }) {
        self.providers = providers
        self.clock = clock
    }

    /// The SDKs' default order: environment, shared files (`AWS_PROFILE`), container endpoint.
    public static func standard(environment: AWSEnvironment, http: HTTPClient) -> CredentialChain {
        CredentialChain([
            EnvironmentCredentialProvider(environment: environment),
            ProfileCredentialProvider(environment: environment),
            ContainerCredentialProvider(environment: environment, http: http),
        ])
    }

    public func credentials() throws -> Credentials {
        if let cached = cache.withLock({ $0 }), !needsRefresh(cached) { return cached }
        return try refreshing.withLock { _ in
            // Another caller may have refreshed while this one waited.
            if let cached = cache.withLock({ $0 }), !needsRefresh(cached) { return cached }
            return try refresh()
        }
    }

    private func refresh() throws -> Credentials {
        var reasons: [String] = []
        for provider in providers {
            do {
                let found = try provider.credentials()
                cache.withLock { $0 = found }
                return found
            } catch let error as AWSError {
                reasons.append(error.message)
            }
        }
        throw AWSError(.credentials, message: "no credentials: " + reasons.joined(separator: "; "))
    }

    /// True while the cache holds credentials that need no refresh.
    public var answersAtOnce: Bool {
        guard let cached = cache.withLock({ $0 }) else { return false }
        return !needsRefresh(cached)
    }

    private func needsRefresh(_ credentials: Credentials) -> Bool {
        guard let expiration = credentials.expiration else { return false }
        return expiration.timeIntervalSince(clock()) < 300
    }
}
