using System.Security;

namespace SalesScorecard;

/// <summary>A row of the app's users table, never with its password hash.</summary>
public sealed class ScorecardUser
{
    public required string Id { get; init; }

    public required string Email { get; init; }

    public required string DisplayName { get; init; }

    public required string Role { get; init; }

    /// <summary>A NULL isActive (old rows) reads as active, as the app reads it.</summary>
    public required bool IsActive { get; init; }

    public string? CompanyId { get; init; }

    public DateTime CreatedAt { get; init; }

    public DateTime UpdatedAt { get; init; }

    /// <summary>Only from New-ScorecardUser when it generated the password: shown once, never stored.</summary>
    public SecureString? InitialPassword { get; init; }
}
