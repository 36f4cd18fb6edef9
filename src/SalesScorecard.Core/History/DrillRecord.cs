using System.Text.Json;

namespace SalesScorecard.History;

/// <summary>
/// The last restore drill of a backup: <c>drill.json</c> beside its manifest, written by Test-ScorecardBackup
/// -RestoreDrill, so that the history and the report show which backups were proved restorable, and when.
/// </summary>
public sealed record DrillRecord(DateTime DrilledAt, bool Passed, string Detail)
{
    public const string FileName = "drill.json";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public byte[] Serialize() => JsonSerializer.SerializeToUtf8Bytes(this, Json);

    /// <summary>The record a file holds, or null when it cannot be read: a drill that cannot be read back proves nothing.</summary>
    public static DrillRecord? TryParse(byte[] content)
    {
        try
        {
            return JsonSerializer.Deserialize<DrillRecord>(content, Json) is { Detail: not null } record ? record : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The record of a test's drill checks (RestoreDrill, RowCounts), or null when the test ran no drill.</summary>
    internal static DrillRecord? From(BackupTestResult result, DateTime nowUtc)
    {
        var drill = result.Checks.Where(c => c.Check is "RestoreDrill" or "RowCounts").ToList();
        return drill.Count == 0 ? null : new DrillRecord(nowUtc, drill.All(c => c.Passed), string.Join("; ", drill.Select(c => $"{c.Check}: {c.Detail}")));
    }
}
