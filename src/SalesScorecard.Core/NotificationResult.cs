namespace SalesScorecard;

/// <summary>What Send-BackupNotification sent, to whom, through which server, in how many attempts.</summary>
public sealed class NotificationResult
{
    public required bool Sent { get; init; }

    /// <summary>The addresses the server accepted.</summary>
    public required ReadableList<string> Recipients { get; init; }

    /// <summary>The addresses the mail did not reach, each with the server's reply.</summary>
    public ReadableList<string> RefusedRecipients { get; init; } = new([]);

    public required string Subject { get; init; }

    public string? MessageId { get; init; }

    public required string Server { get; init; }

    public required int Attempts { get; init; }

    /// <summary>Seconds, to the millisecond: a number that ConvertTo-Json and Export-Csv keep as one.</summary>
    public required double DurationSeconds { get; init; }
}
