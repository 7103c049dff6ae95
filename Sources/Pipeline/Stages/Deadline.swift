#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// The time by which the current stage must be done (a Lambda's deadline, less a margin). The AWS
/// stores pass it to every call, so that no retry sleeps past it.
public enum Deadline {
    @TaskLocal public static var current: Date?
}
