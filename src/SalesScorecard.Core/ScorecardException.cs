namespace SalesScorecard;

/// <summary>
/// What kind of failure an error is. The names match PowerShell's ErrorCategory members so the cmdlet layer can map
/// them by name without Core referencing PowerShell.
/// </summary>
public enum ScorecardErrorCategory
{
    NotSpecified,
    ConnectionError,
    AuthenticationError,
    ObjectNotFound,
    InvalidArgument,
    InvalidData,
    InvalidOperation,
    PermissionDenied,
    SecurityError,
    ResourceExists,
    ResourceBusy,
    ResourceUnavailable,
    OperationTimeout,
    OperationStopped,
    WriteError,
    ReadError,
    LimitsExceeded,
}

/// <summary>A failure an admin can act on: a stable id, a category, and a message free of secrets.</summary>
public sealed class ScorecardException : Exception
{
    /// <param name="error">One of <see cref="ScorecardErrors"/>: the only ids there are.</param>
    public ScorecardException(ScorecardError error, string message, object? target = null, Exception? inner = null)
        : base(message, inner)
    {
        Error = error;
        Target = target;
    }

    public ScorecardError Error { get; }

    /// <summary>Stable identifier scripts and tests can match on, e.g. <c>DatabaseAuthenticationFailed</c>.</summary>
    public string ErrorId => Error.Id;

    public ScorecardErrorCategory Category => Error.Category;

    /// <summary>The object the error is about (a host, a file, a user id); never a secret.</summary>
    public object? Target { get; }

    /// <summary>
    /// Any failure as a ScorecardException: one nobody foresaw gets <paramref name="error"/>, so that it still ends as
    /// every failure does (an error id, a log line, the mail) instead of as a bare .NET exception.
    /// </summary>
    public static ScorecardException From(Exception e, ScorecardError error) =>
        e as ScorecardException ?? new ScorecardException(error, $"The run failed unexpectedly ({e.GetType().Name}): {e.Message}", null, e);
}
