using SalesScorecard.Encryption;

namespace SalesScorecard.Backup;

public sealed class RestoreOptions
{
    /// <summary>Drop and replace what the backup holds in an existing target, in one transaction.</summary>
    public bool Clean { get; init; }

    /// <summary>pg_restore --jobs; only for archives pg_restore can seek in (pg_dump's own format).</summary>
    public int? Jobs { get; init; }

    /// <summary>
    /// Restore every object owned by the connecting user and without the backup's grants, for a server that lacks the
    /// backup's roles (pg_restore --no-owner --no-privileges).
    /// </summary>
    public bool NoOwner { get; init; }

    public string? PgDumpPath { get; init; }

    /// <summary>The age identities that may decrypt an encrypted backup; null or empty when none was given.</summary>
    public IReadOnlyList<AgeIdentity>? Identities { get; init; }
}
