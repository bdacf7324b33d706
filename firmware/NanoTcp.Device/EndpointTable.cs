namespace NanoTcp.Device
{
    /// <summary>
    /// Gives each UDP sender a small integer token for <see cref="IDatagramLink"/>: the platform
    /// glue keeps its endpoint objects here and the portable application only sees the tokens.
    /// Fixed size; a new sender takes the least recently seen entry when the table is full.
    /// </summary>
    public sealed class EndpointTable
    {
        readonly object[] _endpoints;
        readonly long[] _lastSeen;
        long _clock;

        public EndpointTable(int capacity)
        {
            _endpoints = new object[capacity < 1 ? 1 : capacity];
            _lastSeen = new long[_endpoints.Length];
        }

        /// <summary>The token of an endpoint (compared with Equals), adding it when new.</summary>
        public int Intern(object endpoint)
        {
            int token = Find(endpoint);
            if (token >= 0) return token;
            int victim = 0;
            for (int i = 1; i < _endpoints.Length; i++) if (IsBetterVictim(i, victim)) victim = i;
            _endpoints[victim] = endpoint;
            _lastSeen[victim] = _clock;
            return victim;
        }

        /// <summary>
        /// The token of an endpoint already known (compared with Equals), or -1. Lets a platform
        /// that receives into one reused endpoint object copy it only when it is new.
        /// </summary>
        public int Find(object endpoint)
        {
            _clock++;
            for (int i = 0; i < _endpoints.Length; i++)
            {
                object e = _endpoints[i];
                if (e != null && e.Equals(endpoint)) { _lastSeen[i] = _clock; return i; }
            }
            return -1;
        }

        /// <summary>An empty entry first, else the least recently seen.</summary>
        bool IsBetterVictim(int candidate, int current)
        {
            if (_endpoints[current] == null) return false;
            return _endpoints[candidate] == null || _lastSeen[candidate] < _lastSeen[current];
        }

        /// <summary>The endpoint behind a token, or null.</summary>
        public object Get(int token)
        {
            return token >= 0 && token < _endpoints.Length ? _endpoints[token] : null;
        }
    }
}
