using System.Text.Json;

namespace SalesScorecard.History;

/// <summary>
/// Why a backup is kept whatever retention says: <c>pin.json</c> beside its manifest (in its folder, or under its prefix
/// on the store), so that a pin survives restarts and is honoured wherever the backup is. It is not among the files the
/// manifest vouches for: pinning and releasing never change the backup itself.
/// </summary>
public sealed record BackupPin(string Reason, DateTime PinnedAt)
{
    public const string FileName = "pin.json";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public byte[] Serialize() => JsonSerializer.SerializeToUtf8Bytes(this, Json);

    /// <summary>The pin a file holds; one that cannot be read still pins (a reason of its own says so), since keeping a backup is the safe side.</summary>
    public static BackupPin Parse(byte[] content)
    {
        try
        {
            return JsonSerializer.Deserialize<BackupPin>(content, Json) is { Reason: not null } pin ? pin : Unreadable();
        }
        catch (JsonException)
        {
            return Unreadable();
        }
    }

    /// <summary>The pin of a pin.json that cannot be read.</summary>
    internal static BackupPin Unreadable() => new($"{FileName} cannot be read; the backup stays pinned until it is released", DateTime.MinValue);
}
