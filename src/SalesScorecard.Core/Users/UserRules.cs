using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace SalesScorecard.Users;

/// <summary>The app's rules for user fields, checked before anything is written.</summary>
public static partial class UserRules
{
    public static readonly string[] Roles =
        ["SUPER_ADMIN", "ADMIN", "SALES_DIRECTOR", "REGIONAL_SALES_MANAGER", "REGIONAL_MANAGER", "SALES_LEAD", "SALESPERSON"];

    public const int MaxLength = 255;

    /// <summary>The role in upper case; any case is accepted.</summary>
    public static string NormalizeRole(string role)
    {
        var upper = role.Trim().ToUpperInvariant();
        return Roles.Contains(upper)
            ? upper
            : throw new ScorecardException("InvalidRole", ScorecardErrorCategory.InvalidArgument,
                $"'{role}' is not a role. Roles: {string.Join(", ", Roles)}.", role);
    }

    public static string NormalizeEmail(string email)
    {
        var trimmed = email.Trim();
        return trimmed.Length <= MaxLength && EmailPattern().IsMatch(trimmed)
            ? trimmed
            : throw new ScorecardException("InvalidEmail", ScorecardErrorCategory.InvalidArgument,
                $"'{email}' is not a valid email address (name@example.org, at most {MaxLength} characters).", email);
    }

    public static string NormalizeDisplayName(string displayName)
    {
        var trimmed = displayName.Trim();
        return trimmed.Length is > 0 and <= MaxLength
            ? trimmed
            : throw new ScorecardException("InvalidDisplayName", ScorecardErrorCategory.InvalidArgument,
                trimmed.Length == 0
                    ? "The display name is empty."
                    : $"The display name has {trimmed.Length} characters; at most {MaxLength} fit.", displayName);
    }

    public const int MinPasswordLength = 8;

    /// <summary>bcrypt reads only the first 72 bytes: a longer password would silently lose its end.</summary>
    public const int MaxPasswordBytes = 72;

    /// <summary>A bcrypt hash the Node app's bcrypt accepts: $2b$, cost 10.</summary>
    public static string HashPassword(string password)
    {
        var bytes = System.Text.Encoding.UTF8.GetByteCount(password);
        if (password.Length < MinPasswordLength || bytes > MaxPasswordBytes)
        {
            throw new ScorecardException("InvalidPassword", ScorecardErrorCategory.InvalidArgument,
                $"The password must have at least {MinPasswordLength} characters and at most {MaxPasswordBytes} bytes in UTF-8 " +
                $"(bcrypt ignores the rest); it has {password.Length} characters, {bytes} bytes.");
        }

        return BCrypt.Net.BCrypt.HashPassword(password, BCrypt.Net.BCrypt.GenerateSalt(10, 'b'));
    }

    public static bool VerifyPassword(string password, string hash) => BCrypt.Net.BCrypt.Verify(password, hash);

    /// <summary>A strong random password for a new user, who then resets it in the app.</summary>
    public static string GeneratePassword() =>
        new(RandomNumberGenerator.GetItems<char>("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789!#%+-=?@", 20));

    [GeneratedRegex(@"^[^@\s""<>]+@[^@\s""<>]+\.[^@\s""<>]+$")]
    private static partial Regex EmailPattern();
}
