//! Who is the client, for rate limiting only (SECURITY.md R18, R27).
//!
//! `X-Forwarded-For` is believed only when the TCP peer is a configured trusted proxy, and then
//! the rightmost hop that is not itself a trusted proxy is the client: everything left of it was
//! written by the client and can be forged. The address is then reduced to an IPv4 /32 or IPv6
//! /64 (a phone on IPv6 gets a whole /64) and never leaves this module in clear: the rate-limit
//! key is an HMAC under an in-memory secret that rotates (`crypto::RotatingHasher`, which holds
//! the secret), so even a memory dump links no IP. This module must not log or store addresses.

use crate::crypto::RotatingHasher;
use crate::crypto::random::RandomError;
use crate::domain::IpBlock;
use crate::domain::net::{canonical, subscriber_prefix};
use axum::http::HeaderMap;
use std::net::{IpAddr, Ipv6Addr};

/// The client's address per R27: the peer, unless the peer is a trusted proxy.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpBlock]) -> IpAddr {
    let peer = canonical(peer);
    let is_trusted = |ip: IpAddr| trusted.iter().any(|b| b.contains(ip));
    if !is_trusted(peer) {
        return peer;
    }
    let mut client = peer;
    // Walk the hops right to left across every X-Forwarded-For header, in order.
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect();
    for hop in hops.iter().rev() {
        match parse_hop(hop) {
            Some(ip) => {
                client = canonical(ip);
                if !is_trusted(client) {
                    break;
                }
            }
            // Garbage in the chain: stop at the last hop we could trust.
            None => break,
        }
    }
    client
}

/// One X-Forwarded-For entry: an address, possibly with a port (`1.2.3.4:5678`,
/// `[2001:db8::1]:443`), as some proxies write them.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    if let Ok(ip) = hop.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Some(rest) = hop.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok();
    }
    match hop.rsplit_once(':') {
        Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) && host.contains('.') => {
            host.parse().ok()
        }
        _ => None,
    }
}

/// Turns client addresses into opaque rate-limit keys.
#[derive(Debug)]
pub struct ClientKeyer {
    hasher: RotatingHasher,
    buckets: u64,
}

impl ClientKeyer {
    /// `buckets` bounds how many distinct keys a limiter can ever hold (R28): two clients
    /// sharing a bucket share a limit, which at 65,536 buckets is rare and costs only a wait.
    pub fn new(buckets: u32) -> Result<Self, RandomError> {
        Ok(ClientKeyer {
            hasher: RotatingHasher::new()?,
            buckets: u64::from(buckets.max(1)),
        })
    }

    /// Replaces the secret, so keys from before cannot be linked to keys after.
    pub fn rotate(&self) -> Result<(), RandomError> {
        self.hasher.rotate()
    }

    pub fn key(&self, ip: IpAddr) -> u64 {
        self.keyed(b"subscriber", &subscriber_prefix(ip))
    }

    /// The key of the network around an IPv6 client (its /48, what a site is usually given),
    /// so that one holder of many /64s cannot pass as many clients. `None` for IPv4, where a
    /// wider block would lump unrelated carrier customers together.
    pub fn network_key(&self, ip: IpAddr) -> Option<u64> {
        match canonical(ip) {
            IpAddr::V4(_) => None,
            IpAddr::V6(v6) => {
                let bits = u128::from(v6) & (u128::MAX << 80);
                Some(self.keyed(b"network48", &Ipv6Addr::from(bits).octets()))
            }
        }
    }

    fn keyed(&self, domain: &[u8], prefix: &[u8; 16]) -> u64 {
        self.hasher.hash_u64(domain, prefix) % self.buckets
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn xff(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn r27_spoofed_leftmost_forwarded_for_is_ignored() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let trusted = [IpBlock::parse("10.0.0.0/8").unwrap()];
        let headers = xff("6.6.6.6, 203.0.113.7, 10.0.0.2");
        assert_eq!(
            client_ip(proxy, &headers, &trusted),
            "203.0.113.7".parse::<IpAddr>().unwrap()
        );
    }

    #[test]
    fn r27_forwarded_for_from_an_untrusted_peer_is_ignored() {
        let peer: IpAddr = "198.51.100.9".parse().unwrap();
        let trusted = [IpBlock::parse("10.0.0.1").unwrap()];
        assert_eq!(client_ip(peer, &xff("1.2.3.4"), &trusted), peer);
        assert_eq!(client_ip(peer, &xff("1.2.3.4"), &[]), peer);
    }

    #[test]
    fn ipv6_clients_are_keyed_by_their_slash_64() {
        let keyer = ClientKeyer::new(u32::MAX).unwrap();
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(keyer.key(a), keyer.key(b));
        assert_ne!(keyer.key(a), keyer.key(c));
        let mapped: IpAddr = "::ffff:192.0.2.1".parse().unwrap();
        assert_eq!(keyer.key(mapped), keyer.key("192.0.2.1".parse().unwrap()));
    }

    #[test]
    fn ipv6_networks_are_keyed_by_their_slash_48_and_ipv4_has_none() {
        let keyer = ClientKeyer::new(u32::MAX).unwrap();
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:ffff::1".parse().unwrap();
        let c: IpAddr = "2001:db8:2::1".parse().unwrap();
        assert_eq!(keyer.network_key(a), keyer.network_key(b));
        assert_ne!(keyer.network_key(a), keyer.network_key(c));
        assert_ne!(
            keyer.network_key(a),
            Some(keyer.key(a)),
            "separate key spaces"
        );
        assert_eq!(keyer.network_key("192.0.2.1".parse().unwrap()), None);
    }

    #[test]
    fn r18_rotation_unlinks_keys() {
        let keyer = ClientKeyer::new(u32::MAX).unwrap();
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        let before = keyer.key(ip);
        keyer.rotate().unwrap();
        assert_ne!(before, keyer.key(ip));
    }

    #[test]
    fn r27_forwarded_entries_with_ports_are_understood() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let trusted = [IpBlock::parse("10.0.0.1").unwrap()];
        let v4 = client_ip(proxy, &xff("203.0.113.7:5678"), &trusted);
        assert_eq!(v4, "203.0.113.7".parse::<IpAddr>().unwrap());
        let v6 = client_ip(proxy, &xff("[2001:db8::1]:443"), &trusted);
        assert_eq!(v6, "2001:db8::1".parse::<IpAddr>().unwrap());
        assert_eq!(client_ip(proxy, &xff("not-an-ip"), &trusted), proxy);
    }
}
