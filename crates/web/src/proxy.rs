//! Who the client is behind reverse proxies. `X-Forwarded-For` is a list each proxy
//! appends to, so only its right end can be trusted: walking from the right, every
//! address that is one of our own proxies is skipped, and the first one that is not is
//! the client. Entries further left were written by the client and are ignored — a
//! spoofed header cannot choose the address that rate limits and the audit trail see.

use std::net::IpAddr;

/// An address or a network of our own reverse proxies (`10.0.0.5`, `10.0.0.0/8`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProxyNet {
    addr: IpAddr,
    prefix: u8,
}

impl ProxyNet {
    /// Parses `addr` or `addr/prefix`; the message says what is wrong, in Chinese.
    pub fn parse(s: &str) -> Result<ProxyNet, String> {
        let s = s.trim();
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = addr.parse().map_err(|_| format!("可信代理“{s}”不是有效的 IP 地址"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => {
                p.parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(|| format!("可信代理“{s}”的前缀长度不正确"))?
            }
        };
        Ok(ProxyNet { addr, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = if self.prefix == 0 { 0 } else { u32::MAX << (32 - u32::from(self.prefix)) };
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = if self.prefix == 0 { 0 } else { u128::MAX << (128 - u32::from(self.prefix)) };
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// The client's address: the peer, or — when the peer is one of `proxies` — the
/// right-most address of `forwarded_for` that is not one of them.
pub fn client_address(peer: IpAddr, forwarded_for: Option<&str>, proxies: &[ProxyNet]) -> IpAddr {
    let trusted = |ip: IpAddr| proxies.iter().any(|p| p.contains(ip));
    if !trusted(peer) {
        return peer;
    }
    let Some(list) = forwarded_for else { return peer };
    let mut client = peer;
    for entry in list.rsplit(',').map(str::trim) {
        match entry.parse::<IpAddr>() {
            Ok(ip) => {
                client = ip;
                if !trusted(ip) {
                    return ip;
                }
            }
            // Garbage in the list: nothing to the left of it can be trusted either.
            Err(_) => return client,
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn the_right_most_untrusted_hop_is_the_client() {
        let proxies = [ProxyNet::parse("127.0.0.1").unwrap(), ProxyNet::parse("10.0.0.0/8").unwrap()];
        let peer = ip("127.0.0.1");
        // The client put 6.6.6.6 in the header; the proxy appended the real address.
        assert_eq!(client_address(peer, Some("6.6.6.6, 203.0.113.9"), &proxies), ip("203.0.113.9"));
        // Two of our proxies in a row.
        assert_eq!(client_address(peer, Some("6.6.6.6, 203.0.113.9, 10.1.2.3"), &proxies), ip("203.0.113.9"));
        // No header, or a peer that is not our proxy: the peer.
        assert_eq!(client_address(peer, None, &proxies), peer);
        assert_eq!(client_address(ip("198.51.100.7"), Some("6.6.6.6"), &proxies), ip("198.51.100.7"));
        // Garbage stops the walk.
        assert_eq!(client_address(peer, Some("6.6.6.6, nonsense, 10.9.9.9"), &proxies), ip("10.9.9.9"));
        // All trusted: the left-most of ours.
        assert_eq!(client_address(peer, Some("10.0.0.1"), &proxies), ip("10.0.0.1"));
    }

    #[test]
    fn networks_and_their_mistakes() {
        let net = ProxyNet::parse("192.168.0.0/16").unwrap();
        assert!(net.contains(ip("192.168.44.1")) && !net.contains(ip("192.169.0.1")) && !net.contains(ip("::1")));
        assert!(ProxyNet::parse("::1").unwrap().contains(ip("::1")));
        assert!(ProxyNet::parse("0.0.0.0/0").unwrap().contains(ip("8.8.8.8")));
        assert!(ProxyNet::parse("10.0.0.0/33").unwrap_err().contains("前缀"));
        assert!(ProxyNet::parse("proxy.local").unwrap_err().contains("IP"));
    }
}
