using Npgsql;

namespace SalesScorecard.Users;

/// <summary>
/// The app has no way back from a web admin without a SUPER_ADMIN: only one may manage companies, users and roles. So
/// demoting or disabling the last active one is refused unless -Force says it is meant.
/// </summary>
internal static class SuperAdminGuard
{
    public const string Role = "SUPER_ADMIN";

    /// <summary>
    /// Fails with LastSuperAdmin when <paramref name="changes"/> demote or disable the only active SUPER_ADMIN and
    /// <paramref name="force"/> is not given. Only isActive true counts for the others: a NULL one cannot sign in until the app restarts.
    /// </summary>
    public static async Task EnsureNotLastAsync(NpgsqlConnection connection, ScorecardUser user, IReadOnlyList<FieldChange> changes, bool force, CancellationToken cancellationToken)
    {
        if (!Affects(user, changes, force))
        {
            return;
        }

        await using var command = new NpgsqlCommand("SELECT count(*) FROM users WHERE upper(role) = 'SUPER_ADMIN' AND \"isActive\" IS TRUE AND id <> $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = user.Id });
        if ((long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))! == 0)
        {
            var disabled = changes.Any(c => c.Field == "isActive" && c.New is false);
            throw new ScorecardException(ScorecardErrors.LastSuperAdmin,
                $"{user.Email} is the only active SUPER_ADMIN: {(disabled ? "disabling" : "demoting")} them leaves the web admin with nobody who may manage " +
                "companies, users and roles, and nobody could undo it from the app. Make another user SUPER_ADMIN first, or add -Force if that is really meant. Nothing was changed.",
                user.Id);
        }
    }

    /// <summary>Whether the change demotes or disables a SUPER_ADMIN who may sign in (or will, after the app's restart), without -Force.</summary>
    public static bool Affects(ScorecardUser user, IReadOnlyList<FieldChange> changes, bool force)
    {
        // A role set to SUPER_ADMIN in another case (the app's own lower case) demotes nobody.
        var demoted = changes.Any(c => c.Field == "role" && !string.Equals(c.New as string, Role, StringComparison.OrdinalIgnoreCase));
        var disabled = changes.Any(c => c.Field == "isActive" && c.New is false);
        return !force && (demoted || disabled) && string.Equals(user.Role, Role, StringComparison.OrdinalIgnoreCase) && user.StoredIsActive != false;
    }

    /// <summary>
    /// Inside the change's transaction: one session at a time may take a SUPER_ADMIN away, and it counts again under the
    /// lock, so two sessions each disabling a different one cannot leave none.
    /// </summary>
    public static async Task LockAndEnsureNotLastAsync(NpgsqlConnection connection, ScorecardUser user, IReadOnlyList<FieldChange> changes, CancellationToken cancellationToken)
    {
        await using (var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtext('SalesScorecard.LastSuperAdmin'))", connection))
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await EnsureNotLastAsync(connection, user, changes, force: false, cancellationToken).ConfigureAwait(false);
    }
}
