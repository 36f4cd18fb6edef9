using System.Management.Automation;
using System.Net;

namespace SalesScorecard.PowerShell;

/// <summary>
/// Lets -Password take the plain text a CSV holds (Import-Csv gives strings, which PowerShell cannot turn into a
/// SecureString, so without this it skipped the column without a word); an empty cell means "no password given".
/// </summary>
public sealed class PlainTextPasswordAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        var value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
        return value switch
        {
            string text when text.Length == 0 => null,
            string text => new NetworkCredential(string.Empty, text).SecurePassword,
            _ => value,
        };
    }
}
