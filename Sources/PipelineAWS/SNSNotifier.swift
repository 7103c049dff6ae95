public import Pipeline
public import AWSClient
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Announces outcomes on an SNS topic: the notification as JSON, with `status`, `imageId` and
/// `reason` (or `cause`) as message attributes for subscription filters.
public struct SNSNotifier: Notifier {
    private let sns: SNSClient
    private let topicArn: String

    public init(sns: SNSClient, topicArn: String) {
        self.sns = sns
        self.topicArn = topicArn
    }

    public func publish(_ notification: Notification) async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let message = String(decoding: try encoder.encode(notification), as: UTF8.self)
        var attributes = ["status": notification.status.rawValue, "imageId": notification.imageId]
        if let reason = notification.reason { attributes["reason"] = reason }
        if let cause = notification.cause { attributes["cause"] = cause }
        let subject = "Darkroom: \(notification.status.rawValue)"
        _ = try await awsWork { [sns, topicArn, attributes] in
            try sns.publish(
                topicArn: topicArn, message: message, subject: subject, attributes: attributes, deadline: $0)
        }
    }
}
