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
            var checks = new List<HealthCheck> { await RightsAsync(connection, url, cancellationToken).ConfigureAwait(false) };
            if (await ScalarAsync<bool>(connection, "SELECT to_regclass('public.users') IS NOT NULL", cancellationToken).ConfigureAwait(false))
            {
                checks.Add(await SuperAdminAsync(connection, cancellationToken).ConfigureAwait(false));
                checks.Add(await UserDataAsync(connection, cancellationToken).ConfigureAwait(false));
            }

            return (checks, connection.PostgreSqlVersion, connection.ServerVersion);
        }
    }

    /// <summary>pg_dump reads every table: a table the backup role may not read fails the night.</summary>
    private static async Task<HealthCheck> RightsAsync(NpgsqlConnection connection, DatabaseUrl url, CancellationToken cancellationToken)
    {
        const string Sql = """
            SELECT count(*) AS tables, count(*) FILTER (WHERE NOT has_table_privilege(c.oid, 'SELECT')) AS unreadable,
                   coalesce(string_agg(n.nspname || '.' || c.relname, ', ') FILTER (WHERE NOT has_table_privilege(c.oid, 'SELECT')), '') AS names
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
            """;
        await using var command = new NpgsqlCommand(Sql, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        var (tables, unreadable, names) = (reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2));
        var where = $"{url.Describe()} (PostgreSQL {connection.ServerVersion})";
        return unreadable == 0
            ? HealthCheck.Pass("Database", $"{where}: all {tables} tables readable")
            : HealthCheck.Fail("Database", $"{where}: {unreadable} of {tables} tables cannot be read by the backup's user: {names}",
                "GRANT SELECT on them (or pg_read_all_data) to the user in DATABASE_URL: pg_dump fails on the first it cannot read.");
    }

    private static async Task<HealthCheck> SuperAdminAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var active = await ScalarAsync<long>(connection, "SELECT count(*) FROM users WHERE upper(role) = 'SUPER_ADMIN' AND \"isActive\" IS DISTINCT FROM false", cancellationToken)
            .ConfigureAwait(false);
        return active switch
        {
            0 => HealthCheck.Fail("SuperAdmin", "No active SUPER_ADMIN: nobody may manage companies, users and roles in the web admin.",
                "Make a trusted user SUPER_ADMIN: Set-ScorecardUser -Identity <email> -Role SUPER_ADMIN -Active $true."),
            1 => HealthCheck.Warn("SuperAdmin", "One active SUPER_ADMIN: if that account is lost, nobody may manage the web admin.", "Consider a second SUPER_ADMIN."),
            _ => HealthCheck.Pass("SuperAdmin", $"{active} active SUPER_ADMIN users"),
        };
    }

    /// <summary>The app's own pitfalls: emails that differ only in case (its login lowercases one), and NULL isActive rows that cannot sign in until its next restart.</summary>
    private static async Task<HealthCheck> UserDataAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var twins = await ScalarAsync<long>(connection, "SELECT count(*) FROM (SELECT lower(email) FROM users GROUP BY lower(email) HAVING count(*) > 1) t", cancellationToken)
            .ConfigureAwait(false);
        var unknown = await ScalarAsync<long>(connection, "SELECT count(*) FROM users WHERE \"isActive\" IS NULL", cancellationToken).ConfigureAwait(false);
        return twins == 0 && unknown == 0
            ? HealthCheck.Pass("UserData", "No emails that differ only in case, no NULL isActive")
            : HealthCheck.Warn("UserData", $"{twins} emails used twice in different case; {unknown} users with a NULL isActive",
                "Merge or rename the case-twins (Get-ScorecardUser lists them); set isActive with Enable-ScorecardUser or Disable-ScorecardUser.");
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }
}
