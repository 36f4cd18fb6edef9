using Npgsql;
using SalesScorecard.Database;
using SalesScorecard.Settings;

namespace SalesScorecard.Health;

/// <summary>The checks that need the database: reachable with the rights a backup needs, a SUPER_ADMIN left, and the app's data pitfalls.</summary>
internal static class DatabaseHealth
{
    public static async Task<(IReadOnlyList<HealthCheck> Checks, Version? ServerVersion, string? ServerText)> CheckAsync(DatabaseUrl url, CancellationToken cancellationToken)
    {
        NpgsqlConnection connection;
        try
        {
            connection = await DatabaseConnector.OpenAsync(url, cancellationToken).ConfigureAwait(false);
        }
        catch (ScorecardException e)
        {
            return ([HealthCheck.Fail("Database", $"{e.ErrorId}: {e.Message}", "Fix DATABASE_URL, the server or the password; nothing else that needs the database was checked.")], null, null);
        }

        await using (connection)
        {
            var checks = new List<HealthCheck> { await GuardedAsync("Database", () => RightsAsync(connection, url, cancellationToken)).ConfigureAwait(false) };
            if (!await ScalarAsync<bool>(connection, "SELECT to_regclass('public.users') IS NOT NULL", cancellationToken).ConfigureAwait(false))
            {
                checks.Add(HealthCheck.Fail("SuperAdmin", $"{connection.Database} has no users table: it is not the app's database.",
                    "Point DATABASE_URL at the Sales Scorecard's own database."));
                return (checks, connection.PostgreSqlVersion, connection.ServerVersion);
            }

            checks.Add(await GuardedAsync("SuperAdmin", () => SuperAdminAsync(connection, cancellationToken)).ConfigureAwait(false));
            checks.Add(await GuardedAsync("UserData", () => UserDataAsync(connection, cancellationToken)).ConfigureAwait(false));
            return (checks, connection.PostgreSqlVersion, connection.ServerVersion);
        }
    }

    /// <summary>A query the backup's user may not run (the users table not readable) is that check's failure, never the others'.</summary>
    private static async Task<HealthCheck> GuardedAsync(string name, Func<Task<HealthCheck>> check)
    {
        try
        {
            return await check().ConfigureAwait(false);
        }
        catch (NpgsqlException e)
        {
            return HealthCheck.Fail(name, $"The check's query failed: {(e as PostgresException)?.MessageText ?? e.Message}", "Give the backup's user the right to read it.");
        }
    }

    /// <summary>
    /// pg_dump reads every table and sequence, with row security off: one the backup's user may not read, in a schema it
    /// may not use, or under row security it is not exempt from, fails the night. Other sessions' temporary tables are not dumped.
    /// </summary>
    private static async Task<HealthCheck> RightsAsync(NpgsqlConnection connection, DatabaseUrl url, CancellationToken cancellationToken)
    {
        const string Sql = """
            WITH objects AS (
              SELECT n.nspname || '.' || c.relname AS name,
                     NOT has_schema_privilege(n.oid, 'USAGE') OR NOT has_table_privilege(c.oid, 'SELECT')
                     OR (c.relrowsecurity AND NOT pg_has_role(c.relowner, 'USAGE') AND NOT (SELECT rolbypassrls FROM pg_roles WHERE rolname = current_user)) AS unreadable
              FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE c.relkind IN ('r', 'p', 'S') AND c.relpersistence <> 't'
                AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%')
            SELECT count(*), count(*) FILTER (WHERE unreadable), coalesce(string_agg(name, ', ') FILTER (WHERE unreadable), '') FROM objects
            """;
        await using var command = new NpgsqlCommand(Sql, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        var (objects, unreadable, names) = (reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2));
        var where = $"{url.Describe()} (PostgreSQL {connection.ServerVersion})";
        return unreadable == 0
            ? HealthCheck.Pass("Database", $"{where}: all {objects} tables and sequences readable")
            : HealthCheck.Fail("Database", $"{where}: {unreadable} of {objects} tables and sequences cannot be dumped by the backup's user: {names}",
                "GRANT USAGE on their schema and SELECT on them (or pg_read_all_data, and BYPASSRLS for row security) to the user in DATABASE_URL.");
    }

    /// <summary>Only isActive true signs in: a NULL one waits for the app's next restart.</summary>
    private static async Task<HealthCheck> SuperAdminAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var active = await ScalarAsync<long>(connection, "SELECT count(*) FROM users WHERE upper(role) = 'SUPER_ADMIN' AND \"isActive\" IS TRUE", cancellationToken).ConfigureAwait(false);
        var waiting = await ScalarAsync<long>(connection, "SELECT count(*) FROM users WHERE upper(role) = 'SUPER_ADMIN' AND \"isActive\" IS NULL", cancellationToken).ConfigureAwait(false);
        var note = waiting == 0 ? "" : $" ({waiting} more with a NULL isActive cannot sign in until the app restarts)";
        return active switch
        {
            0 => HealthCheck.Fail("SuperAdmin", $"No active SUPER_ADMIN{note}: nobody may manage companies, users and roles in the web admin.",
                "Make a trusted user SUPER_ADMIN: Set-ScorecardUser -Identity <email> -Role SUPER_ADMIN -Active $true."),
            1 => HealthCheck.Warn("SuperAdmin", $"One active SUPER_ADMIN{note}: if that account is lost, nobody may manage the web admin.", "Consider a second SUPER_ADMIN."),
            _ => HealthCheck.Pass("SuperAdmin", $"{active} active SUPER_ADMIN users{note}"),
        };
    }

    /// <summary>The app's own pitfalls: emails that differ only in case (its login lowercases one), and NULL isActive rows that cannot sign in until its next restart.</summary>
    private static async Task<HealthCheck> UserDataAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var twins = await ScalarAsync<string>(connection,
            "SELECT coalesce(string_agg(e, ', '), '') FROM (SELECT lower(email) AS e FROM users GROUP BY lower(email) HAVING count(*) > 1 ORDER BY 1 LIMIT 10) t", cancellationToken)
            .ConfigureAwait(false);
        var unknown = await ScalarAsync<long>(connection, "SELECT count(*) FROM users WHERE \"isActive\" IS NULL", cancellationToken).ConfigureAwait(false);
        return twins.Length == 0 && unknown == 0
            ? HealthCheck.Pass("UserData", "No emails that differ only in case, no NULL isActive")
            : HealthCheck.Warn("UserData", $"Emails used twice in different case: {(twins.Length == 0 ? "none" : twins)}; {unknown} users with a NULL isActive",
                "Merge or rename the case-twins (Get-ScorecardUser -Identity <email> shows each); set isActive with Enable-ScorecardUser or Disable-ScorecardUser.");
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }
}
