using Npgsql;

namespace SalesScorecard.Users;

/// <summary>
/// The app has no way back from a web admin without a SUPER_ADMIN: only one may manage companies, users and roles. So
/// demoting or disabling the last active one is refused unless -Force says it is meant.
/// </summary>
internal static class SuperAdminGuard
{
    public const string Role = "SUPER_ADMIN";

    /// <summary>Fails with LastSuperAdmin when <paramref name="changes"/> demote or disable the only active SUPER_ADMIN and <paramref name="force"/> is not given.</summary>
    public static async Task EnsureNotLastAsync(NpgsqlConnection connection, ScorecardUser user, IReadOnlyList<FieldChange> changes, bool force, CancellationToken cancellationToken)
    {
        var demoted = changes.Any(c => c.Field == "role");
        var disabled = changes.Any(c => c.Field == "isActive" && c.New is false);
        // A NULL isActive is set to true by the app's next restart: such a SUPER_ADMIN counts as active.
        if (force || !(demoted || disabled) || !string.Equals(user.Role, Role, StringComparison.OrdinalIgnoreCase) || user.StoredIsActive == false)
        {
            return;
        }

        await using var command = new NpgsqlCommand("SELECT count(*) FROM users WHERE upper(role) = 'SUPER_ADMIN' AND \"isActive\" IS DISTINCT FROM false AND id <> $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = user.Id });
        if ((long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))! == 0)
        {
            throw new ScorecardException(ScorecardErrors.LastSuperAdmin,
                $"{user.Email} is the only active SUPER_ADMIN: {(disabled ? "disabling" : "demoting")} them leaves the web admin with nobody who may manage " +
                "companies, users and roles, and nobody could undo it from the app. Make another user SUPER_ADMIN first, or add -Force if that is really meant. Nothing was changed.",
                user.Id);
        }
    }
}
