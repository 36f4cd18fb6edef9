using System.Diagnostics;
using System.Security.Cryptography;
using SalesScorecard.Encryption;

namespace SalesScorecard.Tests.Encryption;

/// <summary>An identity file and its recipient.</summary>
internal sealed record AgeKey(string Path, string Recipient)
{
    /// <summary>The line AGE-SECRET-KEY-1... of the file.</summary>
    public string SecretLine => File.ReadAllLines(Path).Single(l => l.StartsWith("AGE-SECRET-KEY-1", StringComparison.Ordinal));

    public IReadOnlyList<AgeIdentity> Identities => AgeIdentity.ReadFile(Path);
}

/// <summary>A temporary folder and an identity made by the real age-keygen, for one test.</summary>
public abstract class AgeKeygenTest : IDisposable
{
    private protected AgeKeygenTest() => KeygenKey = Age.NewKeygenKey(Folder);

    private protected TempFolder Folder { get; } = new();

    private protected AgeKey KeygenKey { get; }

    public void Dispose()
    {
        Folder.Dispose();
        GC.SuppressFinalize(this);
    }
}

/// <summary>The real age tools, and the module's encryptor and decryptor over byte arrays.</summary>
internal static class Age
{
    public static AgeKey NewKeygenKey(TempFolder folder)
    {
        var path = NewPath(folder, "keygen");
        Run("age-keygen", "-o", path);
        return new AgeKey(path, Run("age-keygen", "-y", path));
    }

    /// <summary>An identity file written as New-ScorecardBackupKey writes it.</summary>
    public static AgeKey NewModuleKey(TempFolder folder)
    {
        var path = NewPath(folder, "module-key");
        var identity = AgeIdentity.Generate();
        identity.WriteFile(path, DateTimeOffset.Now);
        return new AgeKey(path, identity.ToRecipient().ToString());
    }

    public static string NewPath(TempFolder folder, string name) => Path.Combine(folder.Path, $"{name}-{Guid.NewGuid():N}");

    /// <summary>Runs age or age-keygen; returns its output, trimmed.</summary>
    public static string Run(string tool, params string[] arguments)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var errors = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0
            ? output.Trim()
            : throw new InvalidOperationException($"{tool} {string.Join(' ', arguments)} failed with exit code {process.ExitCode}: {errors.Result}");
    }

    /// <summary>age -d into a file; age creates no file for an empty plaintext.</summary>
    public static byte[] DecryptWithTool(TempFolder folder, string identityFile, string encryptedFile)
    {
        var output = NewPath(folder, "decrypted");
        Run("age", "-d", "-i", identityFile, "-o", output, encryptedFile);
        return File.Exists(output) ? File.ReadAllBytes(output) : [];
    }

    public static string EncryptWithTool(TempFolder folder, byte[] plaintext, params string[] recipients)
    {
        var input = folder.WriteBytes(plaintext);
        var output = NewPath(folder, "tool.age");
        Run("age", [.. recipients.SelectMany(r => new[] { "-r", r }), "-o", output, input]);
        return output;
    }

    public static byte[] Protect(byte[] plaintext, params string[] recipients)
    {
        var output = new MemoryStream();
        using (var encryptor = AgeEncryptor.Create(output, recipients.Select(AgeRecipient.Parse).ToList(), leaveOpen: true))
        {
            encryptor.Write(plaintext);
            encryptor.FlushFinalBlock();
        }

        return output.ToArray();
    }

    public static byte[] Unprotect(byte[] encrypted, IReadOnlyList<AgeIdentity> identities, params string[] madeFor)
    {
        var recipients = madeFor.Length > 0 ? madeFor.Select(AgeRecipient.Parse).ToList() : null;
        using var decryptor = AgeDecryptor.Open(new MemoryStream(encrypted), identities, leaveOpen: false, recipients);
        var output = new MemoryStream();
        decryptor.CopyTo(output);
        return output.ToArray();
    }

    public static long HeaderLength(byte[] encrypted) => AgeHeader.Inspect(new MemoryStream(encrypted)).Length;

    public static string Sha256(byte[] bytes) => Convert.ToHexString(SHA256.HashData(bytes));
}
