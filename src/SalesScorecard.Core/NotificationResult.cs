namespace SalesScorecard;

/// <summary>What Send-BackupNotification sent, to whom, through which server, in how many attempts.</summary>
public sealed class NotificationResult
{
    public required bool Sent { get; init; }

    /// <summary>The addresses the server accepted.</summary>
    public required IReadOnlyList<string> Recipients { get; init; }

    /// <summary>The addresses the mail did not reach, each with the server's reply.</summary>
    public IReadOnlyList<string> RefusedRecipients { get; init; } = [];

    public required string Subject { get; init; }

    public string? MessageId { get; init; }

    public required string Server { get; init; }

    public required int Attempts { get; init; }

    public required TimeSpan Duration { get; init; }
}
