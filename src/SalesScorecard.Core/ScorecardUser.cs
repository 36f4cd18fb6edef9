using System.Security;

namespace SalesScorecard;

/// <summary>A row of the app's users table, never with its password hash.</summary>
public sealed class ScorecardUser
{
    public required string Id { get; init; }

    public required string Email { get; init; }

    public required string DisplayName { get; init; }

    public required string Role { get; init; }

    /// <summary>The isActive column as stored: NULL in some old rows.</summary>
    public required bool? StoredIsActive { get; init; }

    /// <summary>Whether the app lets this user sign in: its login and admin list require isActive = true, so NULL is not active.</summary>
    public bool IsActive => StoredIsActive == true;

    /// <summary>Active, Disabled, or what a NULL isActive means in the running app.</summary>
    public string ActiveState => StoredIsActive switch
    {
        true => "Active",
        false => "Disabled",
        null => "NULL: cannot sign in; the app sets it to true at its next restart",
    };

    public string? CompanyId { get; init; }

    public DateTime CreatedAt { get; init; }

    public DateTime UpdatedAt { get; init; }

    /// <summary>Only from New-ScorecardUser when it generated the password: shown once, never stored.</summary>
    public SecureString? InitialPassword { get; init; }
}
