namespace SalesScorecard.Users;

/// <summary>What Set-, Enable- or Disable-ScorecardUser asks for; null fields stay as they are.</summary>
public sealed class UserChangeRequest
{
    public required string Identity { get; init; }

    /// <summary>When given, the user must belong to this company; nothing changes otherwise.</summary>
    public string? CompanyId { get; init; }

    public string? DisplayName { get; init; }

    public string? Email { get; init; }

    public string? Role { get; init; }

    public bool? Active { get; init; }

    public string? Password { get; init; }

    /// <summary>Demotes or disables even the last active SUPER_ADMIN (see <see cref="SuperAdminGuard"/>).</summary>
    public bool Force { get; init; }

    /// <summary>The audit action: USER_UPDATED, USER_ENABLED or USER_DISABLED.</summary>
    public string AuditAction { get; init; } = "USER_UPDATED";
}

public sealed record FieldChange(string Field, object? Old, object? New);

/// <summary>A checked change, ready to apply: the user as read, and each field that differs.</summary>
public sealed class UserChangePlan
{
    public required ScorecardUser User { get; init; }

    public required IReadOnlyList<FieldChange> Changes { get; init; }

    public required UserChangeRequest Request { get; init; }

    internal string? PasswordHash { get; init; }

    public string Describe() =>
        $"user {User.Email} ({User.Id}, {User.CompanyId}): " +
        string.Join(", ", Changes.Select(c => c.Field == "password" ? "password changed" : $"{c.Field} {Show(c.Old)} -> {Show(c.New)}"));

    // A NULL (an old row's isActive) is shown as such, not as an empty string.
    private static string Show(object? value) => value is null ? "NULL" : $"'{value}'";
}

public sealed class NewUserRequest
{
    public required string Email { get; init; }

    public required string DisplayName { get; init; }

    public required string Role { get; init; }

    public required string CompanyId { get; init; }

    /// <summary>Null: a strong random password is generated and returned once.</summary>
    public string? Password { get; init; }
}

public sealed class UserQuery
{
    public string? Identity { get; init; }

    public string? CompanyId { get; init; }

    public string? Role { get; init; }

    /// <summary>A PowerShell wildcard matched against display name or email, case-insensitively.</summary>
    public string? Name { get; init; }

    public bool IncludeInactive { get; init; }
}
