using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace SalesScorecard.Users;

/// <summary>The app's rules for user fields, checked before anything is written.</summary>
public static partial class UserRules
{
    public static readonly string[] Roles =
        ["SUPER_ADMIN", "ADMIN", "SALES_DIRECTOR", "REGIONAL_SALES_MANAGER", "REGIONAL_MANAGER", "SALES_LEAD", "SALESPERSON"];

    public const int MaxLength = 255;

    /// <summary>The role in upper case; any case is accepted (the app's own admin stores roles as typed).</summary>
    public static string NormalizeRole(string role)
    {
        var upper = role.Trim().ToUpperInvariant();
        return Roles.Contains(upper)
            ? upper
            : throw new ScorecardException(ScorecardErrors.InvalidRole,
                $"'{role}' is not a role. Roles: {string.Join(", ", Roles)}.", role);
    }

    public static string NormalizeEmail(string email)
    {
        var trimmed = email.Trim();
        return CountCharacters(trimmed) <= MaxLength && EmailPattern().IsMatch(trimmed)
            ? trimmed
            : throw new ScorecardException(ScorecardErrors.InvalidEmail,
                $"'{email}' is not a valid email address (name@example.org, at most {MaxLength} characters).", email);
    }

    public static string NormalizeDisplayName(string displayName)
    {
        var trimmed = displayName.Trim();
        var problem = trimmed.Length == 0 ? "The display name is empty."
            : trimmed.Contains('\0', StringComparison.Ordinal) ? "The display name holds a NUL character (U+0000), which PostgreSQL text cannot store."
            : !IsWellFormed(trimmed) ? "The display name holds a lone UTF-16 surrogate, which is not a character and cannot be stored in UTF-8."
            : CountCharacters(trimmed) is var count and > MaxLength ? $"The display name has {count} characters; at most {MaxLength} fit."
            : null;
        return problem is null
            ? trimmed
            : throw new ScorecardException(ScorecardErrors.InvalidDisplayName, problem, displayName);
    }

    /// <summary>Characters as PostgreSQL counts them for varchar(n) in a UTF-8 database: code points, not UTF-16 units.</summary>
    public static int CountCharacters(string text) => text.EnumerateRunes().Count();

    private static bool IsWellFormed(ReadOnlySpan<char> text)
    {
        while (!text.IsEmpty)
        {
            if (System.Text.Rune.DecodeFromUtf16(text, out _, out var used) != System.Buffers.OperationStatus.Done)
            {
                return false;
            }

            text = text[used..];
        }

        return true;
    }

    public const int MinPasswordLength = 8;

    /// <summary>bcrypt reads only the first 72 bytes: a longer password would silently lose its end.</summary>
    public const int MaxPasswordBytes = 72;

    /// <summary>A bcrypt hash the Node app's bcrypt accepts: $2b$, cost 10.</summary>
    public static string HashPassword(string password)
    {
        if (password.Length > 0 && (IsTrimmedByWebClient(password[0]) || IsTrimmedByWebClient(password[^1])))
        {
            throw new ScorecardException(ScorecardErrors.InvalidPassword,
                "The password begins or ends with white space: the app's web client trims the password before it sends it at " +
                "sign-in, so this password could never be used. Remove the leading and trailing white space.");
        }

        var bytes = System.Text.Encoding.UTF8.GetByteCount(password);
        if (password.Length < MinPasswordLength || bytes > MaxPasswordBytes)
        {
            throw new ScorecardException(ScorecardErrors.InvalidPassword,
                $"The password must have at least {MinPasswordLength} characters and at most {MaxPasswordBytes} bytes in UTF-8 " +
                $"(bcrypt ignores the rest); it has {password.Length} characters, {bytes} bytes.");
        }

        return BCrypt.Net.BCrypt.HashPassword(password, BCrypt.Net.BCrypt.GenerateSalt(10, 'b'));
    }

    /// <summary>What JavaScript's String.prototype.trim removes: white space (Zs, tab, VT, FF, U+FEFF) and line terminators.</summary>
    private static bool IsTrimmedByWebClient(char c) =>
        c is '\t' or '\n' or '\v' or '\f' or '\r' or '\u2028' or '\u2029' or '\uFEFF'
        || char.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.SpaceSeparator;

    internal static bool VerifyPassword(string password, string hash) => BCrypt.Net.BCrypt.Verify(password, hash);

    /// <summary>A strong random password for a new user, who then resets it in the app.</summary>
    public static string GeneratePassword() =>
        new(RandomNumberGenerator.GetItems<char>("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789!#%+-=?@", 20));

    [GeneratedRegex(@"^[^@\s""<>\x00]+@[^@\s""<>\x00]+\.[^@\s""<>\x00]+$")]
    private static partial Regex EmailPattern();
}
